/** The workspace itself (team.info), read on every sync: one request, so no cursor. */
import type { WebClient } from '@slack/web-api';
import { ProviderError, type SyncBatch } from '../sdk.js';
import { asData, workspaceRecord } from './records.js';

export async function workspaceBatch(client: WebClient): Promise<SyncBatch> {
  const { team } = await client.team.info();
  if (team?.id === undefined)
    throw new ProviderError('permanent', 'Reading the Slack workspace failed: team.info named no team');
  const record = workspaceRecord({ ...team, id: team.id });
  return { entity: 'workspace', records: [{ id: record.id, data: asData(record) }] };
}

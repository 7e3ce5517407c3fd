/**
 * The workspace's members (users.list, a page of 200 at a time), deactivated members and bots
 * included as Slack lists them. The evidence comes with the last page when the listing ran from
 * its start in this run.
 */
import type { WebClient } from '@slack/web-api';
import type { SyncBatch, SyncContext } from '../sdk.js';
import { MemberPosture } from './evidence.js';
import { nextCursor, PAGE_SIZE, resumableListing } from './listing.js';
import { asData, type SlackMember, userRecord } from './records.js';

const hasId = (member: SlackMember): member is SlackMember & { id: string } => typeof member.id === 'string';

export async function* syncUsers(client: WebClient, ctx: SyncContext<unknown>): AsyncGenerator<SyncBatch> {
  let posture: MemberPosture | undefined;
  let synced = 0;
  const pages = resumableListing(ctx, 'users', async (cursor) => {
    const page = await client.users.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    return { items: (page.members ?? []).filter(hasId), next: nextCursor(page.response_metadata) };
  });
  for await (const page of pages) {
    if (page.fromStart) posture ??= new MemberPosture();
    const records = page.items.map(userRecord);
    for (const record of records) posture?.add(record);
    synced += records.length;
    if (page.last) {
      ctx.runLog.log('info', `Synced ${synced} Slack members`, {
        details: { synced },
        source: 'slack.users',
      });
    }
    yield {
      entity: 'users',
      records: records.map((record) => ({ id: record.id, data: asData(record) })),
      cursor: page.cursor,
      evidence: page.last && posture ? posture.evidence() : [],
    };
  }
}

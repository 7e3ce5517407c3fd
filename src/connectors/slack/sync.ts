import type { SyncBatch, SyncContext } from '../sdk.js';
import { syncChannels } from './channels.js';
import { slackClient } from './client.js';
import type { SlackConfig } from './definition.js';
import { slackFailure } from './errors.js';
import { syncUsers } from './users.js';
import { workspaceBatch } from './workspace.js';

/** Members (with the evidence), channels, then the workspace; each listing resumes from its cursor. */
export async function* slackSync(ctx: SyncContext<SlackConfig>): AsyncGenerator<SyncBatch> {
  ctx.signal.throwIfAborted();
  const client = slackClient(ctx);
  let step = 'Listing Slack members (users.list)';
  try {
    yield* syncUsers(client, ctx);
    step = 'Listing Slack channels (conversations.list)';
    yield* syncChannels(client, ctx);
    step = 'Reading the Slack workspace (team.info)';
    yield await workspaceBatch(client);
  } catch (error) {
    throw slackFailure(error, step, ctx.signal);
  }
}

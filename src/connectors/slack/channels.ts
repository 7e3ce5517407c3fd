/**
 * Channels (conversations.list of public and private channels, archived ones included, 200 a page):
 * every public channel, and the private ones the app is a member of (all a bot token sees).
 */
import type { WebClient } from '@slack/web-api';
import type { SyncBatch, SyncContext } from '../sdk.js';
import { nextCursor, PAGE_SIZE, resumableListing } from './listing.js';
import { asData, channelRecord, type SlackChannel } from './records.js';

const hasId = (channel: SlackChannel): channel is SlackChannel & { id: string } =>
  typeof channel.id === 'string';

export async function* syncChannels(client: WebClient, ctx: SyncContext<unknown>): AsyncGenerator<SyncBatch> {
  let synced = 0;
  const pages = resumableListing(ctx, 'channels', async (cursor) => {
    const page = await client.conversations.list({
      types: 'public_channel,private_channel',
      exclude_archived: false,
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    return { items: (page.channels ?? []).filter(hasId), next: nextCursor(page.response_metadata) };
  });
  for await (const page of pages) {
    const records = page.items.map(channelRecord);
    synced += records.length;
    if (page.last) {
      ctx.runLog.log('info', `Synced ${synced} Slack channels`, {
        details: { synced },
        source: 'slack.channels',
      });
    }
    yield {
      entity: 'channels',
      records: records.map((record) => ({ id: record.id, data: asData(record) })),
      cursor: page.cursor,
    };
  }
}

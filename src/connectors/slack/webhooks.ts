/**
 * Slack's Events API: what an event does to the records a sync stores. Members come whole in
 * `team_join` and `user_change` (a deactivation is a `user_change` with `deleted: true`, which the
 * sync stores as a member too). Channel events carry too little of a channel to build its record,
 * so the handler reads it (conversations.info); a deleted one is deleted.
 */
import type { ConnectorContext, ConnectorWebhooks, WebhookEffect, WebhookEvent } from '../sdk.js';
import { readChannel } from './channel-info.js';
import { slackClient } from './client.js';
import type { SlackConfig } from './definition.js';
import { slackFailure } from './errors.js';
import { channelIdOf, envelopeType, eventCallbackOf, memberOf } from './events-api.js';
import { asData, userRecord } from './records.js';
import { slackWebhookScheme } from './webhook-scheme.js';

type Ctx = ConnectorContext<SlackConfig>;

const MEMBER_EVENTS = new Set(['team_join', 'user_change']);
/** Events after which a channel the sync stores may read differently (name, archived, membership, sharing). */
const CHANNEL_CHANGES = new Set([
  'channel_created',
  'channel_rename',
  'channel_archive',
  'channel_unarchive',
  'channel_left',
  'channel_shared',
  'channel_unshared',
  'group_rename',
  'group_archive',
  'group_unarchive',
  'group_left',
]);
const CHANNEL_DELETIONS = new Set(['channel_deleted', 'group_deleted']);

async function channelEffects(ctx: Ctx, id: string): Promise<WebhookEffect[]> {
  const what = `Reading Slack channel ${id} (conversations.info)`;
  try {
    const record = await readChannel(slackClient(ctx), id);
    if (record === null) return [{ kind: 'delete', entity: 'channels', ids: [id] }];
    return [{ kind: 'upsert', entity: 'channels', records: [{ id, data: asData(record) }] }];
  } catch (error) {
    throw slackFailure(error, what, ctx.signal);
  }
}

async function handle(event: WebhookEvent, ctx: Ctx): Promise<WebhookEffect[]> {
  ctx.signal.throwIfAborted();
  const callback = eventCallbackOf(event.payload);
  if (!callback) {
    // Slack dropped this workspace's events for a while: a sync catches up with what they said.
    return envelopeType(event.payload) === 'app_rate_limited' ? [{ kind: 'sync' }] : [];
  }
  const inner = callback.event;
  if (MEMBER_EVENTS.has(inner.type)) {
    const member = memberOf(inner);
    if (!member) return [];
    const record = userRecord(member);
    return [{ kind: 'upsert', entity: 'users', records: [{ id: record.id, data: asData(record) }] }];
  }
  const channelId = channelIdOf(inner);
  if (channelId !== null && CHANNEL_DELETIONS.has(inner.type)) {
    return [{ kind: 'delete', entity: 'channels', ids: [channelId] }];
  }
  if (channelId !== null && CHANNEL_CHANGES.has(inner.type)) return channelEffects(ctx, channelId);
  // `tokens_revoked` and `app_uninstalled` are only recorded for now: the engine should later mark
  // the connection's credential revoked (status `error`) at once instead of at its next failed call.
  return [];
}

export const slackWebhooks: ConnectorWebhooks<SlackConfig> = { scheme: slackWebhookScheme, handle };

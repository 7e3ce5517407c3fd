/**
 * Slack's Events API as the fake workspace would deliver it to a request URL (docs.slack.dev, "The
 * Events API", the event reference, "Verifying requests from Slack"): a JSON POST of an envelope,
 * `event_callback` around one event (with `event_id`, `event_time`, `authorizations`…),
 * `url_verification` or `app_rate_limited`, signed with the app's signing secret:
 * `X-Slack-Signature: v0=` and the hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}`.
 * A delivery not answered 2xx within 3 seconds comes again with `X-Slack-Retry-Num` and
 * `X-Slack-Retry-Reason`, the same envelope (so the same event_id) and a fresh timestamp and signature.
 */
import { createHmac } from 'node:crypto';
import { type FakeToken, memberAs } from './methods.js';
import type { SlackChannel, WorkspaceData } from './workspace.js';

/** The fake app's signing secret (Basic Information → App Credentials → Signing Secret). */
export const SIGNING_SECRET = '3f9a1c5e7b2d4f6a8c0e1b3d5f7a9c2e';
/** The deprecated verification token every envelope still carries. */
const VERIFICATION_TOKEN = 'Jhj5dZrVaK7ZwHHjRyZWjbDl';

export type Envelope = Record<string, unknown>;
export type SlackEvent = Record<string, unknown> & { type: string };

/** What Slack POSTs: headers (names in lower case, as HTTP allows) and the body as sent. */
export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

/** Why Slack sends a delivery again (`X-Slack-Retry-Reason`). */
export type RetryReason =
  | 'http_timeout'
  | 'too_many_redirects'
  | 'ssl_error'
  | 'connection_failed'
  | 'http_error'
  | 'unknown_error';

/** Slack's recipe: `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}` keyed with the signing secret. */
export function slackRequestSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** `payload` as Slack sends it at `at`; a retry names its attempt and why. */
export function signedRequest(
  payload: Envelope,
  options: { at: Date; secret?: string; retry?: { num: number; reason: RetryReason } },
): SignedRequest {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(options.at.getTime() / 1000));
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackRequestSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
      ...(options.retry
        ? {
            'x-slack-retry-num': String(options.retry.num),
            'x-slack-retry-reason': options.retry.reason,
          }
        : {}),
    },
    body,
  };
}

let sequence = 0;
/** Slack's event timestamps: epoch seconds and six decimals. */
const eventTs = (at: Date) => (at.getTime() / 1000).toFixed(6);

/** The envelope of one event: Slack's "event wrapper", with a new event_id. */
export function eventCallback(data: WorkspaceData, event: SlackEvent, at = new Date()): Envelope {
  sequence += 1;
  return {
    token: VERIFICATION_TOKEN,
    team_id: data.team.id,
    context_team_id: data.team.id,
    api_app_id: data.bot.appId,
    event: { event_ts: eventTs(at), ...event },
    type: 'event_callback',
    event_id: `Ev${sequence.toString(36).toUpperCase().padStart(8, '0')}`,
    event_time: Math.floor(at.getTime() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: data.team.id,
        user_id: data.bot.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ event_type: event.type })).toString('base64url')}`,
  };
}

/** Sent when a Request URL is saved: no inner event, the challenge to echo. */
export function urlVerification(challenge: string): Envelope {
  return { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
}

/** Slack stopped delivering this workspace's events for a while (over 30,000 an hour). */
export function appRateLimited(data: WorkspaceData, at = new Date()): Envelope {
  return {
    token: VERIFICATION_TOKEN,
    type: 'app_rate_limited',
    team_id: data.team.id,
    minute_rate_limited: Math.floor(at.getTime() / 60_000) * 60,
    api_app_id: data.bot.appId,
  };
}

/** `team_join` or `user_change`: the member's user object, as the app's token sees it. */
export function memberEvent(
  data: WorkspaceData,
  type: 'team_join' | 'user_change',
  memberId: string,
  viewer: FakeToken,
): SlackEvent {
  const member = data.members.find((m) => m.id === memberId);
  if (!member) throw new Error(`the fake workspace has no member ${memberId}`);
  return {
    type,
    user: memberAs(member, { data, token: viewer, params: {}, pageCap: 0 }),
    cache_ts: Math.floor(Date.now() / 1000),
  };
}

export type ChannelEventType =
  | 'channel_created'
  | 'channel_rename'
  | 'channel_archive'
  | 'channel_unarchive'
  | 'channel_deleted'
  | 'channel_left'
  | 'group_rename'
  | 'group_archive'
  | 'group_unarchive'
  | 'group_deleted'
  | 'group_left';

/** The few fields `channel_created` carries of the new channel. */
function created(channel: SlackChannel) {
  return {
    id: channel.id,
    is_channel: channel.is_channel,
    name: channel.name,
    name_normalized: channel.name_normalized,
    created: channel.created,
    creator: channel.creator,
    is_shared: channel.is_shared,
    is_org_shared: channel.is_org_shared,
    context_team_id: channel.context_team_id,
    is_archived: channel.is_archived,
    is_frozen: false,
    is_general: channel.is_general,
    is_group: channel.is_group,
    is_private: channel.is_private,
    is_ext_shared: channel.is_ext_shared,
    is_im: false,
    is_mpim: false,
    is_pending_ext_shared: channel.is_pending_ext_shared,
  };
}

/** A channel event as the event reference shapes each type; `actor` is the member who did it. */
export function channelEvent(
  type: ChannelEventType,
  channel: SlackChannel,
  actor = channel.creator,
): SlackEvent {
  const id = channel.id;
  switch (type) {
    case 'channel_created':
      return { type, channel: created(channel) };
    case 'channel_rename':
    case 'group_rename':
      return {
        type,
        channel: {
          id,
          name: channel.name,
          name_normalized: channel.name_normalized,
          created: channel.created,
          is_channel: channel.is_channel,
          is_mpim: false,
        },
      };
    case 'channel_archive':
    case 'channel_unarchive':
      return { type, channel: id, user: actor };
    case 'group_archive':
      return { type, channel: id, user: actor, is_moved: 0 };
    case 'channel_deleted':
      return { type, channel: id };
    case 'group_deleted':
      return { type, channel: id, date_deleted: Math.floor(Date.now() / 1000), actor_id: actor };
    case 'channel_left':
    case 'group_left':
    case 'group_unarchive':
      return { type, channel: id, actor_id: actor };
  }
}

/**
 * What Slack's Events API delivers to a request URL (docs.slack.dev, "The Events API" and the event
 * reference): a JSON envelope whose `type` says what it is. `url_verification` (no inner event) asks
 * the URL to echo its `challenge`; `event_callback` wraps one event (`event`, whose own `type` is
 * e.g. `team_join`) with `event_id`, the same on every retry of it; `app_rate_limited` (no inner
 * event) says Slack stopped delivering this workspace's events for a while. Nothing here is trusted
 * before the delivery's signature was checked.
 */
import type { SlackMember } from './records.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/** The envelope's own type (`event_callback`, `url_verification`, `app_rate_limited`), if it has one. */
export function envelopeType(payload: unknown): string | null {
  return isObject(payload) ? stringOf(payload.type) : null;
}

/** The challenge of a `url_verification` envelope. */
export function challengeOf(payload: unknown): string | undefined {
  if (!isObject(payload) || payload.type !== 'url_verification') return undefined;
  return stringOf(payload.challenge) ?? undefined;
}

export interface EventCallback {
  /** Slack's id of the event (`Ev0PV52K25`), kept by every retry of its delivery. */
  eventId: string | null;
  /** The inner event; `type` names it (`team_join`, `channel_rename`…). */
  event: Json & { type: string };
}

/** The event an `event_callback` envelope wraps; undefined for any other envelope. */
export function eventCallbackOf(payload: unknown): EventCallback | undefined {
  if (!isObject(payload) || payload.type !== 'event_callback') return undefined;
  const event = payload.event;
  if (!isObject(event) || stringOf(event.type) === null) return undefined;
  return { eventId: stringOf(payload.event_id), event: { ...event, type: String(event.type) } };
}

/** The user object `team_join` and `user_change` carry: the member as users.list lists it. */
export function memberOf(event: Json): (SlackMember & { id: string }) | undefined {
  const user = event.user;
  return isObject(user) && stringOf(user.id) !== null ? { ...user, id: String(user.id) } : undefined;
}

/**
 * The id of the channel a channel event is about: a string (`channel_archive`, `channel_deleted`,
 * `group_left`…) or an object with its id (`channel_created`, `channel_rename`, `group_rename`).
 */
export function channelIdOf(event: Json): string | null {
  const channel = event.channel;
  return isObject(channel) ? stringOf(channel.id) : stringOf(channel);
}

/**
 * What an Okta event hook delivers (developer.okta.com/docs/concepts/event-hooks, "Sample event
 * delivery payload"): a POST whose JSON body is an envelope `{eventType: "com.okta.event_hook",
 * eventId, eventTime, source, data: {events: [...]}}`. Events close in time are sent together, each a
 * System Log LogEvent (`uuid`, `eventType`, `published`, `target: [{id, type, alternateId,
 * displayName}]`). Only what the handler reads is typed; a malformed part is left out, not trusted.
 */
import { isRecord } from './okta-types.js';

/** The envelope's own event type, the same on every delivery. */
export const ENVELOPE_TYPE = 'com.okta.event_hook';

/** An object an event is about; its `type` is the System Log's (`User`, `UserGroup`, `AppInstance`…). */
export interface LogTarget {
  id: string;
  type: string;
}

export interface LogEvent {
  eventType: string;
  target: LogTarget[];
}

function logTarget(value: unknown): LogTarget[] {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.type !== 'string') return [];
  return [{ id: value.id, type: value.type }];
}

function logEvent(value: unknown): LogEvent[] {
  if (!isRecord(value) || typeof value.eventType !== 'string') return [];
  const target = Array.isArray(value.target) ? value.target.flatMap(logTarget) : [];
  return [{ eventType: value.eventType, target }];
}

/** The events of a delivery; null when the body is not an event hook delivery. */
export function logEvents(payload: unknown): LogEvent[] | null {
  if (!isRecord(payload) || !isRecord(payload.data) || !Array.isArray(payload.data.events)) return null;
  return payload.data.events.flatMap(logEvent);
}

/** The delivery's id: the envelope's `eventId` (each event has its own `uuid` besides). */
export function deliveryIdOf(payload: unknown): string | null {
  return isRecord(payload) && typeof payload.eventId === 'string' && payload.eventId !== ''
    ? payload.eventId
    : null;
}

/**
 * A delivery's type: its events' `eventType` when they all share one (`user.lifecycle.deactivate`),
 * else the envelope's `com.okta.event_hook`, which says only that several kinds arrived together.
 */
export function deliveryTypeOf(payload: unknown): string | null {
  const events = logEvents(payload);
  if (events === null) return null;
  const [first, ...rest] = events;
  return first && rest.every((event) => event.eventType === first.eventType)
    ? first.eventType
    : ENVELOPE_TYPE;
}

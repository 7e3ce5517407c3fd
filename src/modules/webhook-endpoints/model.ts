/**
 * What the outbound webhooks module stores and sends: an endpoint's bounds, and the message body
 * the fan-out writes and the dispatcher delivers.
 *
 * A message's `payload` is the Standard Webhooks body `{ type, timestamp, data }`:
 * - `type`: the event's type (`connection.created`, or a type the org declared, `invoice.paid`);
 * - `timestamp`: when the event occurred (ISO 8601 UTC);
 * - `data`: for Switchboard's own events, the event's payload (its catalogue schema) with
 *   `event_id`, `org_id`, `subject_type` and `subject_id` added; for an org-published event, the
 *   payload exactly as published, with `event_id` added only when the payload has no such field
 *   (the org's schema owns its names). A test send (`webhook.test`) carries `{ event_id,
 *   endpoint_id, message }`.
 * The message id is the `webhook-id`: the same on every attempt, so receivers deduplicate by it.
 */

/** Per-endpoint retry policy bounds; null fields fall back to the server's WEBHOOK_* settings. */
export const RETRY_POLICY_BOUNDS = {
  max_retries: { minimum: 0, maximum: 10 },
  retry_delay_ms: { minimum: 100, maximum: 3_600_000 },
  backoff_factor: { minimum: 1, maximum: 10 },
  timeout_ms: { minimum: 1_000, maximum: 30_000 },
} as const;

export interface RetryPolicy {
  max_retries?: number;
  retry_delay_ms?: number;
  backoff_factor?: number;
  timeout_ms?: number;
}

export const RATE_LIMIT_MAX_PER_SECOND = 1_000;

/** How long the previous secret keeps signing after a rotation, by default and at most. */
export const DEFAULT_OVERLAP_HOURS = 24;
export const MAX_OVERLAP_HOURS = 168;

/** The type of a test send: never in the outbox, delivered to one endpoint only. */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface MessageBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** A message the fan-out or a test send hands to the dispatcher: `pending`, due at once. */
export interface NewMessage {
  orgId: string;
  endpointId: string;
  eventId: string;
  body: MessageBody;
}

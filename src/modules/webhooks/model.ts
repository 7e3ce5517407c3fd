/** What the webhooks module stores and answers, as the spec names it (integration-engine-api.md §5). */

export const WEBHOOK_STATUSES = ['active', 'inactive'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export const SIGNATURE_ALGOS = ['sha256', 'sha1'] as const;
export type SignatureAlgo = (typeof SIGNATURE_ALGOS)[number];

/** The schemes every webhook may use; a connector adds its provider's (`github`, `slack`, `okta`). */
export const GENERIC_SCHEMES = ['hmac', 'standard-webhooks'] as const;

export const DEFAULT_SIGNATURE_HEADER = 'X-Webhook-Signature';

/**
 * A received event's state: `accepted` (stored, waiting to be processed, or retrying after a
 * failure), `processed`, `ignored` (a type outside the webhook's `event_types`), `duplicate` (a
 * delivery id already received), `failed` (every attempt failed).
 */
export const EVENT_STATUSES = ['accepted', 'processed', 'ignored', 'duplicate', 'failed'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

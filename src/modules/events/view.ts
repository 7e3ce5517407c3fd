import type { StoredEvent } from './store.js';

/**
 * An event as clients see it: the items of `GET /events`, and what live updates emit
 * (src/modules/live/), so both read the same shape.
 */
export const eventView = (e: StoredEvent) => ({
  id: e.id,
  type: e.type,
  version: e.version,
  subject: { type: e.subject_type, id: e.subject_id },
  payload: e.payload,
  occurred_at: e.occurred_at,
});

export type EventItem = ReturnType<typeof eventView>;

import type { ExpressionBuilder, Insertable, Selectable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { Tables, WebhookEventsTable } from '../../../platform/db/tables.js';
import { type PageQuery, pageWindow } from '../../../platform/http/envelope.js';
import type { EventStatus } from '../model.js';

/** The only code that reads or writes `webhook_events`: the received events and the processor's queue. */

export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type NewWebhookEvent = Insertable<WebhookEventsTable>;

/**
 * Stores a received event. One whose delivery id the webhook already has is stored as a
 * `duplicate` instead (the unique index decides, so two arriving at once cannot both pass).
 * `on conflict do nothing` leaves the caller's transaction usable either way.
 */
export async function insertReceived(db: Db, event: NewWebhookEvent): Promise<EventStatus> {
  if (event.dedupe_key === null || event.dedupe_key === undefined) {
    await db.insertInto('webhook_events').values(event).execute();
    return event.status as EventStatus;
  }
  const inserted = await db
    .insertInto('webhook_events')
    .values(event)
    .onConflict((oc) => oc.columns(['webhook_id', 'dedupe_key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return event.status as EventStatus;
  await db
    .insertInto('webhook_events')
    .values({ ...event, dedupe_key: null, status: 'duplicate', next_attempt_at: null })
    .execute();
  return 'duplicate';
}

export interface EventFilter {
  status?: EventStatus;
  event_type?: string;
}

/** A webhook's events, newest first, without their payloads and headers. */
export async function listEvents(db: Db, webhookId: string, filter: EventFilter, page: PageQuery) {
  let q = db.selectFrom('webhook_events').where('webhook_id', '=', webhookId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.event_type) q = q.where('event_type', '=', filter.event_type);
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export function findEvent(db: Db, webhookId: string, id: string): Promise<WebhookEventRow | undefined> {
  return db
    .selectFrom('webhook_events')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Claims up to `limit` events due for processing for `leaseMs`: accepted, due, and not held by
 * another processor's live lease. The lease condition is checked again on the row being updated, so
 * two processors never claim the same event.
 */
export async function claimDue(
  db: Db,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<WebhookEventRow[]> {
  const at = now.toISOString();
  const free = (eb: ExpressionBuilder<Tables, 'webhook_events'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]);
  const due = db
    .selectFrom('webhook_events')
    .select('id')
    .where('status', '=', 'accepted')
    .where('next_attempt_at', '<=', at)
    .where(free)
    .orderBy('next_attempt_at')
    .limit(limit);
  return db
    .updateTable('webhook_events')
    .set({ lease_until: new Date(now.getTime() + leaseMs).toISOString() })
    .where('id', 'in', due)
    .where('status', '=', 'accepted')
    .where(free)
    .returningAll()
    .execute();
}

/** An event's end, or its next attempt: set only while it is still accepted (a replay may have reset it). */
export async function settleEvent(
  db: Db,
  id: string,
  set: {
    status: EventStatus;
    error: string | null;
    attempts: number;
    next_attempt_at: string | null;
    processed_at: string | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_events')
    .set({ ...set, lease_until: null })
    .where('id', '=', id)
    .where('status', '=', 'accepted')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Queues an event again from its first attempt (replay). */
export async function requeueEvent(db: Db, id: string, at: string): Promise<void> {
  await db
    .updateTable('webhook_events')
    .set({
      status: 'accepted',
      attempts: 0,
      error: null,
      next_attempt_at: at,
      lease_until: null,
      processed_at: null,
    })
    .where('id', '=', id)
    .execute();
}

/** Deletes events received before `before`, a batch at a time; how many went. */
export async function pruneEvents(db: Db, before: Date, batch: number): Promise<number> {
  const old = db
    .selectFrom('webhook_events')
    .select('id')
    .where('received_at', '<', before.toISOString())
    .limit(batch);
  const result = await db.deleteFrom('webhook_events').where('id', 'in', old).executeTakeFirst();
  return Number(result.numDeletedRows);
}

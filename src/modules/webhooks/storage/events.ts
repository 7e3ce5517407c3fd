import { type ExpressionBuilder, type Insertable, type Selectable, sql } from 'kysely';
import { hourOf } from '../../../platform/db/aggregates.js';
import type { Db } from '../../../platform/db/database.js';
import { QueryTemplate } from '../../../platform/db/query-template.js';
import type { Tables, WebhookEventsTable } from '../../../platform/db/tables.js';
import { type PageQuery, pageWindow } from '../../../platform/http/envelope.js';
import type { EventStatus } from '../model.js';

/** The only code that reads or writes `webhook_events`: the received events and the processor's queue. */

export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type NewWebhookEvent = Insertable<WebhookEventsTable>;

const EVENT_COLUMNS = [
  'id',
  'org_id',
  'connection_id',
  'webhook_id',
  'delivery_id',
  'dedupe_key',
  'event_type',
  'status',
  'headers',
  'payload',
  'next_attempt_at',
  'received_at',
  'processed_at',
] as const;
type EventSlots = Record<(typeof EVENT_COLUMNS)[number], string>;

const eventValues = (slot: EventSlots) => ({
  ...slot,
  // JSON: the template sends it as JSON text, as every query does.
  headers: sql<Record<string, string>>`${slot.headers}`,
  payload: sql<object>`${slot.payload}`,
});

// Built once, as the receiver's other statements: every delivery runs them, and building a query
// cost more than running it (bench/webhooks).
const INSERT_EVENT = new QueryTemplate(EVENT_COLUMNS, (db, slot) =>
  db.insertInto('webhook_events').values(eventValues(slot)),
);
const INSERT_FIRST_OF_DELIVERY = new QueryTemplate(EVENT_COLUMNS, (db, slot) =>
  db
    .insertInto('webhook_events')
    .values(eventValues(slot))
    .onConflict((oc) => oc.columns(['webhook_id', 'dedupe_key']).doNothing()),
);

type ReceivedEvent = { [K in (typeof EVENT_COLUMNS)[number]]: unknown };

const received = (event: NewWebhookEvent): ReceivedEvent => ({
  ...event,
  delivery_id: event.delivery_id ?? null,
  dedupe_key: event.dedupe_key ?? null,
  event_type: event.event_type ?? null,
  next_attempt_at: event.next_attempt_at ?? null,
  processed_at: event.processed_at ?? null,
});

/**
 * Stores a received event. One whose delivery id the webhook already has is stored as a
 * `duplicate` instead (the unique index decides, so two arriving at once cannot both pass).
 * `on conflict do nothing` leaves the caller's transaction usable either way.
 */
export async function insertReceived(db: Db, event: NewWebhookEvent): Promise<EventStatus> {
  if (event.dedupe_key === null || event.dedupe_key === undefined) {
    await INSERT_EVENT.execute(db, received(event));
    return event.status as EventStatus;
  }
  const inserted = await INSERT_FIRST_OF_DELIVERY.execute(db, received(event));
  if (Number(inserted.numAffectedRows ?? 0) > 0) return event.status as EventStatus;
  await INSERT_EVENT.execute(db, {
    ...received(event),
    dedupe_key: null,
    status: 'duplicate',
    next_attempt_at: null,
  });
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
 * Claims the next due event for `owner` until `leaseMs` from now: accepted, due, and not held by a
 * live lease; the lease condition is checked again on the row being updated, so two processors
 * never claim the same event. The claim counts the attempt, so an event whose processing kills its
 * process still runs out of attempts.
 */
export async function claimNext(
  db: Db,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<WebhookEventRow | undefined> {
  const { rows } = await CLAIM_NEXT.execute<WebhookEventRow>(db, {
    owner,
    at: now.toISOString(),
    until: new Date(now.getTime() + leaseMs).toISOString(),
  });
  return rows[0];
}

const CLAIM_NEXT = new QueryTemplate(['owner', 'at', 'until'], (db, slot) => {
  const free = (eb: ExpressionBuilder<Tables, 'webhook_events'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', slot.at)]);
  const due = db
    .selectFrom('webhook_events')
    .select('id')
    .where('status', '=', 'accepted')
    .where('next_attempt_at', '<=', slot.at)
    .where(free)
    .orderBy('next_attempt_at')
    .limit(1);
  return db
    .updateTable('webhook_events')
    .set((eb) => ({ lease_owner: slot.owner, lease_until: slot.until, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', due)
    .where('status', '=', 'accepted')
    .where(free)
    .returningAll();
});

const SETTLE_EVENT = new QueryTemplate(
  ['id', 'owner', 'status', 'error', 'next_attempt_at', 'processed_at'],
  (db, slot) =>
    db
      .updateTable('webhook_events')
      .set({
        status: slot.status,
        error: slot.error,
        next_attempt_at: slot.next_attempt_at,
        processed_at: slot.processed_at,
        lease_owner: null,
        lease_until: null,
      })
      .where('id', '=', slot.id)
      .where('status', '=', 'accepted')
      .where('lease_owner', '=', slot.owner),
);

/**
 * An event's end, or its next attempt, by the processor holding it: refused (false) once its lease
 * went to another processor, or a replay reset it.
 */
export async function settleEvent(
  db: Db,
  id: string,
  owner: string,
  set: {
    status: EventStatus;
    error: string | null;
    next_attempt_at: string | null;
    processed_at: string | null;
  },
): Promise<boolean> {
  const result = await SETTLE_EVENT.execute(db, { id, owner, ...set });
  return Number(result.numAffectedRows ?? 0) > 0;
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
      lease_owner: null,
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

/** An org's received events (of one connection, when given) between `since` and `until`, ISO 8601. */
export interface ReceivedWindow {
  orgId: string;
  connectionId?: string;
  since: string;
  until: string;
}

/** Every delivery stored in the window counts, duplicates too, as in a webhook's `total_received`. */
function receivedIn(db: Db, window: ReceivedWindow) {
  let q = db
    .selectFrom('webhook_events')
    .where('org_id', '=', window.orgId)
    .where('received_at', '>=', window.since)
    .where('received_at', '<=', window.until);
  if (window.connectionId !== undefined) q = q.where('connection_id', '=', window.connectionId);
  return q;
}

/** How many deliveries the org's webhooks received in the window. */
export async function countReceived(db: Db, window: ReceivedWindow): Promise<number> {
  const row = await receivedIn(db, window)
    .select((eb) => eb.fn.countAll<number>().as('received'))
    .executeTakeFirstOrThrow();
  return Number(row.received);
}

/** Deliveries received in the window, by the UTC hour they arrived in (hours with none are absent). */
export function receivedByHour(db: Db, window: ReceivedWindow) {
  const hour = hourOf(db, 'received_at');
  return receivedIn(db, window)
    .select((eb) => [hour.label.as('hour'), eb.fn.countAll<number>().as('webhooks_received')])
    .groupBy(hour.key)
    .execute();
}

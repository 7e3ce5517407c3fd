import { type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import { type Db, isPostgres } from '../../platform/db/database.js';
import { QueryTemplate } from '../../platform/db/query-template.js';
import type { EventsTable, Tables } from '../../platform/db/tables.js';
import { firstIdAt, timeOfId } from '../../platform/ids.js';
import { EVENT_TYPES, type NewEvent } from './catalogue.js';

/** The only code that reads or writes `events` and `event_consumers`. */

/** An event as stored, without the columns only the consumers' order uses. */
export type StoredEvent = Omit<Selectable<EventsTable>, 'seq' | 'tx_id'>;

/** An event with its place in the consumers' order. */
export type QueuedEvent = Selectable<EventsTable>;

const columns = [
  'id',
  'org_id',
  'type',
  'version',
  'subject_type',
  'subject_id',
  'payload',
  'occurred_at',
] as const;

// Built once: every run records four events, and building the insert cost more than running it
// (bench/sync runs per second).
const INSERT_EVENT = new QueryTemplate(
  ['id', 'org_id', 'type', 'version', 'subject_type', 'subject_id', 'payload', 'occurred_at'],
  (db, slot) =>
    db.insertInto('events').values({
      ...slot,
      version: sql<number>`${slot.version}`,
      // JSON: the template sends it as JSON text, as every query does.
      payload: sql<Record<string, unknown>>`${slot.payload}`,
    }),
);

export async function insertEvent(tx: Db, id: string, event: NewEvent, occurredAt: Date): Promise<void> {
  const type = EVENT_TYPES[event.type];
  await INSERT_EVENT.execute(tx, {
    id,
    org_id: event.orgId,
    type: event.type,
    version: type.version,
    subject_type: type.subject,
    subject_id: event.subjectId,
    payload: event.payload,
    occurred_at: occurredAt.toISOString(),
  });
}

/**
 * An event an org published (POST /events) of a type it declared: outside the catalogue, so it
 * carries version 1 and the org itself as its subject (`subject_type` PUBLISHED_SUBJECT).
 */
export async function insertPublishedEvent(
  tx: Db,
  event: { id: string; orgId: string; type: string; payload: Record<string, unknown> },
  occurredAt: Date,
): Promise<void> {
  await INSERT_EVENT.execute(tx, {
    id: event.id,
    org_id: event.orgId,
    type: event.type,
    version: 1,
    subject_type: PUBLISHED_SUBJECT,
    subject_id: event.orgId,
    payload: event.payload,
    occurred_at: occurredAt.toISOString(),
  });
}

/** The subject type of an org-published event: the org is its subject. */
export const PUBLISHED_SUBJECT = 'org';

export interface EventFilter {
  type?: string;
  subjectId?: string;
  /** ISO 8601 UTC as stored: events at or after it. */
  since?: string;
  /** The id of the last event of the previous page: events older than it. */
  before?: string;
}

/** An org's events newest first (UUIDv7 ids sort by time), `limit` at most. */
export async function listEvents(db: Db, orgId: string, filter: EventFilter, limit: number) {
  let q = db.selectFrom('events').select(columns).where('org_id', '=', orgId);
  if (filter.type !== undefined) q = q.where('type', '=', filter.type);
  if (filter.subjectId !== undefined) q = q.where('subject_id', '=', filter.subjectId);
  if (filter.since !== undefined) q = q.where('occurred_at', '>=', filter.since);
  if (filter.before !== undefined) q = q.where('id', '<', filter.before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/**
 * PostgreSQL: no transaction of this database that is still running, or that can still begin
 * writing, has an id below it, so no event can join that range any more (see eventsAfter).
 *
 * The snapshot's running transactions, less those `pg_stat_activity` shows in another database
 * (an id belongs to one database for good, so when that view was read does not matter; a
 * transaction it cannot place, such as a prepared one, is waited for), else the snapshot's end:
 * a transaction given an id later gets one above it. The snapshot's own oldest (`xmin`) would be
 * simpler, but it spans the server, so a transaction left open in any other database stalls
 * every consumer.
 */
const SETTLED_BELOW = sql<number>`(
  select coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
  from (select x::text::bigint as xid from pg_snapshot_xip(pg_current_snapshot()) as x) as running
  where running.xid % 4294967296 not in (
    select backend_xid::text::bigint from pg_stat_activity
    where backend_xid is not null
      and datid <> (select oid from pg_database where datname = current_database())
  )
)`;

/**
 * Events after `after` in consumers' order, `limit` at most.
 *
 * On PostgreSQL a sequence number is taken at insert and becomes visible at commit, so a reader
 * going by `seq` alone could pass a number whose transaction commits later, and never see it.
 * Instead events are read in (writing transaction, seq) order, and only those of transactions
 * older than the oldest one of this database still running (SETTLED_BELOW): no transaction can add
 * to that range any more, so a cursor never skips. A transaction that begins after another commits gets a
 * later id, so an org's events keep their order. The cost: events wait while an older transaction
 * of this database is open. SQLite has one writer, and commits in `seq` order.
 */
export async function eventsAfter(
  db: Db,
  after: { txId: number; seq: number },
  limit: number,
): Promise<QueuedEvent[]> {
  const q = db.selectFrom('events').select([...columns, 'seq', 'tx_id']);
  return afterInOrder(db, q, after).limit(limit).execute();
}

/**
 * The events of `q` after `after` in consumers' order, readable now. On SQLite `tx_id` is always 0,
 * and `seq > ?` alone lets it search the index: it uses only the first column of a row comparison,
 * which made every read walk the whole table (20 ms at 200,000 events, 0.05 ms by `seq`).
 */
function afterInOrder<O>(
  db: Db,
  q: SelectQueryBuilder<Tables, 'events', O>,
  after: { txId: number; seq: number },
) {
  if (!isPostgres(db)) return q.where('seq', '>', after.seq).orderBy('seq');
  return q
    .where((eb) => eb(eb.refTuple('tx_id', 'seq'), '>', eb.tuple(after.txId, after.seq)))
    .where('tx_id', '<', SETTLED_BELOW)
    .orderBy('tx_id')
    .orderBy('seq');
}

/**
 * How much earlier than an event another may have been recorded and still come after it in
 * consumers' order: the longest a transaction that records events stays open, with a wide margin.
 * It bounds the read of an org's events to a range of its (org_id, id) index.
 */
const REORDER_WINDOW_MS = 15 * 60_000;

/**
 * An org's events after its event `sinceId`, in consumers' order (the order a consumer handed
 * them on), `limit` at most, and only those a consumer could read by now. Undefined when `sinceId`
 * is not one of the org's events (pruned, or never its).
 */
export async function orgEventsAfter(
  db: Db,
  orgId: string,
  sinceId: string,
  limit: number,
): Promise<StoredEvent[] | undefined> {
  const since = await db
    .selectFrom('events')
    .select(['tx_id', 'seq'])
    .where('id', '=', sinceId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!since) return undefined;
  const q = db
    .selectFrom('events')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('id', '>', firstIdAt(timeOfId(sinceId) - REORDER_WINDOW_MS));
  return afterInOrder(db, q, { txId: Number(since.tx_id), seq: Number(since.seq) })
    .limit(limit)
    .execute();
}

/** Deletes events that occurred before `cutoff`, `batch` at most; returns how many went. */
export async function deleteEventsBefore(db: Db, cutoff: string, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('events')
    .where('seq', 'in', (eb) =>
      eb.selectFrom('events').select('seq').where('occurred_at', '<', cutoff).orderBy('seq').limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ConsumerCursor {
  txId: number;
  seq: number;
}

/**
 * Takes (or renews) `name`'s lease for `owner` until `until`, creating the consumer at the start
 * of the outbox the first time. Returns its cursor, or undefined when another owner holds it.
 */
export async function leaseConsumer(
  db: Db,
  name: string,
  owner: string,
  now: string,
  until: string,
): Promise<ConsumerCursor | undefined> {
  await db
    .insertInto('event_consumers')
    .values({ name, last_tx_id: 0, last_seq: 0, lease_owner: null, lease_expires_at: null, updated_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .updateTable('event_consumers')
    .set({ lease_owner: owner, lease_expires_at: until })
    .where('name', '=', name)
    .where((eb) =>
      eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_expires_at', '<', now)]),
    )
    .returning(['last_tx_id', 'last_seq'])
    .executeTakeFirst();
  return row && { txId: Number(row.last_tx_id), seq: Number(row.last_seq) };
}

/** Moves `name`'s cursor, if `owner` still holds its lease; false when it lost it. */
export async function advanceConsumer(
  db: Db,
  name: string,
  owner: string,
  cursor: ConsumerCursor,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('event_consumers')
    .set({ last_tx_id: cursor.txId, last_seq: cursor.seq, updated_at: now })
    .where('name', '=', name)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function releaseConsumer(db: Db, name: string, owner: string): Promise<void> {
  await db
    .updateTable('event_consumers')
    .set({ lease_owner: null, lease_expires_at: null })
    .where('name', '=', name)
    .where('lease_owner', '=', owner)
    .execute();
}

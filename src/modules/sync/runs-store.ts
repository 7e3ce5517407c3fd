import { type Insertable, type Selectable, sql } from 'kysely';
import { type Db, isPostgres } from '../../platform/db/database.js';
import { QueryTemplate } from '../../platform/db/query-template.js';
import { contains } from '../../platform/db/search.js';
import type { SyncRunsTable } from '../../platform/db/tables.js';
import { type PageQuery, pageWindow, type SortOrder } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import { recordEvent } from '../events/outbox.js';
import type { LogLevel, RunSort, RunStatus, Trigger } from './model.js';
import type { RunLogEntry } from './run-log.js';

export type RunRow = Selectable<SyncRunsTable>;

/**
 * Takes the row lock of a run's connection before anything touches the run (PostgreSQL; SQLite has
 * one writer at a time). The scheduler locks the connection (advancing its slot) and then inserts a
 * run, which waits on a run of that connection being claimed or ended; a claim or an end that
 * locked the run first and the connection second completed the cycle: a deadlock, which PostgreSQL
 * ends by failing one of them (seen in the scheduler tests). claimRun, finishRun and requeueRun
 * take it before they touch the run.
 */
export async function lockRunConnection(tx: Db, runId: string): Promise<void> {
  if (!isPostgres(tx)) return;
  await sql`select c.id from integration_connections c join sync_runs r on r.connection_id = c.id
    where r.id = ${runId} for update of c`.execute(tx);
}

/**
 * Inserts a run unless the connection already has an active one (the partial unique index) or the
 * scheduled slot is taken (the slot's unique key): undefined then. `on conflict do nothing`
 * rather than catching the violation, because on PostgreSQL a failed statement ends the transaction.
 */
export async function insertRun(db: Db, run: Insertable<SyncRunsTable>): Promise<string | undefined> {
  const inserted = await db
    .insertInto('sync_runs')
    .values(run)
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id;
}

// Built once: every run is claimed, and building the update cost more than running it (bench/sync
// runs per second).
const CLAIM_RUN = new QueryTemplate(['id', 'owner', 'at', 'lease_expires_at'], (db, slot) =>
  db
    .updateTable('sync_runs')
    .set((eb) => ({
      status: 'running' satisfies RunStatus,
      started_at: eb.fn.coalesce('started_at', eb.val(slot.at)),
      lease_owner: slot.owner,
      lease_expires_at: slot.lease_expires_at,
      not_before: null,
      updated_at: slot.at,
    }))
    .where('id', '=', slot.id)
    .where('status', '=', 'pending' satisfies RunStatus)
    .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', slot.at)]))
    .returningAll(),
);

/** Takes a pending, due run for this worker: the one atomic step that makes a duplicate job harmless. */
export async function claimRun(
  db: Db,
  id: string,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<RunRow | undefined> {
  await lockRunConnection(db, id);
  const { rows } = await CLAIM_RUN.execute<RunRow>(db, {
    id,
    owner,
    at: now.toISOString(),
    lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
  });
  const run = rows[0];
  if (run) {
    await recordEvent(
      db,
      {
        type: 'sync.run.started',
        orgId: run.org_id,
        subjectId: run.id,
        payload: { connection_id: run.connection_id, trigger: run.trigger, retry_count: run.retry_count },
      },
      now,
    );
  }
  return run;
}

/** Extends the lease; false when the run is no longer this worker's (cancelled, or reaped). */
export async function renewLease(db: Db, id: string, owner: string, now: Date, leaseMs: number) {
  const result = await db
    .updateTable('sync_runs')
    .set({ lease_expires_at: new Date(now.getTime() + leaseMs).toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'running' satisfies RunStatus)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertLogs(db: Db, run: { id: string; org_id: string }, entries: RunLogEntry[]) {
  if (entries.length === 0) return;
  await db
    .insertInto('sync_run_logs')
    .values(entries.map((entry) => ({ ...entry, run_id: run.id, org_id: run.org_id })))
    .execute();
}

/** One line the engine writes to a run's log outside a batch (cancel, recovery). */
export async function appendEngineLog(
  db: Db,
  run: { id: string; org_id: string },
  entry: { level: LogLevel; message: string; details?: Record<string, unknown> },
  now: Date,
) {
  await insertLogs(db, run, [
    {
      id: newId(),
      level: entry.level,
      message: entry.message,
      details: entry.details ?? null,
      source: 'engine',
      item_ref: null,
      created_at: now.toISOString(),
    },
  ]);
}

export interface RunFilter {
  status?: RunStatus;
  trigger?: Trigger;
}

export async function listRuns(
  db: Db,
  connectionId: string,
  filter: RunFilter,
  page: PageQuery & { sort: RunSort; order: SortOrder },
): Promise<{ rows: RunRow[]; total: number }> {
  let q = db.selectFrom('sync_runs').where('connection_id', '=', connectionId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.trigger) q = q.where('trigger', '=', filter.trigger);
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    q
      .selectAll()
      .orderBy(page.sort, (ob) => (page.order === 'asc' ? ob.asc() : ob.desc()).nullsLast())
      .orderBy('id', page.order)
      .limit(limit)
      .offset(offset)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** A run of the connection, or undefined: the connection's org was checked by the caller. */
export async function findRun(db: Db, connectionId: string, runId: string): Promise<RunRow | undefined> {
  return db
    .selectFrom('sync_runs')
    .selectAll()
    .where('id', '=', runId)
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
}

export interface LogFilter {
  level?: LogLevel;
  search?: string;
}

export async function listLogs(db: Db, runId: string, filter: LogFilter, page: PageQuery) {
  let q = db.selectFrom('sync_run_logs').where('run_id', '=', runId);
  if (filter.level) q = q.where('level', '=', filter.level);
  if (filter.search) q = q.where(contains('message', filter.search));
  const { limit, offset } = pageWindow(page);
  const [entries, count] = await Promise.all([
    q
      .select(['id', 'level', 'message', 'details', 'source', 'item_ref', 'created_at'])
      // Ids are UUIDv7: their order is the order entries were made.
      .orderBy('id', 'asc')
      .limit(limit)
      .offset(offset)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  // The spec's entries always carry an object; lines written without context are stored as null.
  const rows = entries.map((entry) => ({ ...entry, details: entry.details ?? {} }));
  return { rows, total: Number(count.total) };
}

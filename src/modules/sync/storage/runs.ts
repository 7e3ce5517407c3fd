import type { Insertable, Selectable } from 'kysely';
import type { SyncSettings } from '../../../config.js';
import { everyColumn } from '../../../platform/db/columns.js';
import type { Db } from '../../../platform/db/database.js';
import { QueryTemplate } from '../../../platform/db/query-template.js';
import { contains } from '../../../platform/db/search.js';
import type { SyncRunsTable } from '../../../platform/db/tables.js';
import { type PageQuery, pageWindow, type SortOrder } from '../../../platform/http/envelope.js';
import { newId } from '../../../platform/ids.js';
import type { Actor } from '../../auth/principal.js';
import { type ConnectionRow, lockConnectionOfRun } from '../../connections/store.js';
import { recordEvent } from '../../events/outbox.js';
import {
  emptyLogCounts,
  emptyStats,
  type LogCounts,
  type LogLevel,
  type RunLogEntry,
  type RunSort,
  type RunStats,
  type RunStatus,
  type Trigger,
} from '../model.js';

export type RunRow = Selectable<SyncRunsTable>;

export interface NewRun {
  trigger: Trigger;
  fullSync: boolean;
  actor: Actor;
  scheduledFor?: string;
}

/**
 * A run row for a connection, as every way of starting one writes it. The config snapshot is the
 * connection's clear config: secret fields live only in its sealed `secrets`, never here.
 */
export function newRunRow(
  connection: Pick<ConnectionRow, 'id' | 'org_id' | 'config'>,
  run: NewRun,
  settings: SyncSettings,
  now: Date,
) {
  const at = now.toISOString();
  return {
    id: newId(),
    org_id: connection.org_id,
    connection_id: connection.id,
    trigger: run.trigger,
    triggered_by: run.actor.type === 'user' ? run.actor.id : null,
    triggered_by_name: run.actor.type === 'system' ? null : run.actor.name,
    status: 'pending' satisfies RunStatus,
    full_sync: run.fullSync,
    scheduled_for: run.scheduledFor ?? null,
    queued_at: at,
    stats: emptyStats(),
    retry_count: 0,
    max_retries: settings.maxRetries,
    config_snapshot: connection.config,
    log_counts: emptyLogCounts(),
    created_at: at,
    updated_at: at,
  };
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

const RUN_COLUMNS = everyColumn<SyncRunsTable>({
  id: true,
  org_id: true,
  connection_id: true,
  trigger: true,
  triggered_by: true,
  triggered_by_name: true,
  status: true,
  full_sync: true,
  scheduled_for: true,
  queued_at: true,
  not_before: true,
  started_at: true,
  completed_at: true,
  duration_ms: true,
  stats: true,
  items_synced: true,
  error_message: true,
  error_class: true,
  error_details: true,
  retry_count: true,
  max_retries: true,
  config_snapshot: true,
  log_counts: true,
  lease_owner: true,
  lease_expires_at: true,
  cancel_requested_at: true,
  created_at: true,
  updated_at: true,
});

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
    .returning(RUN_COLUMNS),
);

/** Takes a pending, due run for this worker: the one atomic step that makes a duplicate job harmless. */
export async function claimRun(
  db: Db,
  id: string,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<RunRow | undefined> {
  // Before the run, as finishRun and requeueRun do: the scheduler's order (see lockConnectionOfRun).
  await lockConnectionOfRun(db, id);
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

/** Who may end or requeue the run: its lease holder, or anyone while it is still active (cancel, reaper). */
export type FinishGuard = { owner: string } | { expiredBefore: Date } | 'active';

/** What ending a run writes on it. */
export interface RunEnd {
  status: Extract<RunStatus, 'completed' | 'partial' | 'failed' | 'cancelled'>;
  stats: RunStats;
  logCounts: LogCounts;
  errorMessage: string | null;
  errorClass: string | null;
  errorDetails: Record<string, unknown> | null;
  durationMs: number | null;
}

/** Ends the run if `guard` still allows it; the ended run's fields its event reports, else undefined. */
export async function endRunRow(tx: Db, runId: string, end: RunEnd, guard: FinishGuard, now: Date) {
  const at = now.toISOString();
  let q = tx
    .updateTable('sync_runs')
    .set({
      status: end.status,
      completed_at: at,
      duration_ms: end.durationMs,
      stats: { ...end.stats },
      items_synced: end.stats.items_synced,
      log_counts: { ...end.logCounts },
      error_message: end.errorMessage,
      error_class: end.errorClass,
      error_details: end.errorDetails,
      lease_owner: null,
      lease_expires_at: null,
      not_before: null,
      ...(end.status === 'cancelled' ? { cancel_requested_at: at } : {}),
      updated_at: at,
    })
    .where('id', '=', runId);
  if (guard === 'active') q = q.where('status', 'in', ['pending', 'running']);
  else if ('owner' in guard) q = q.where('status', '=', 'running').where('lease_owner', '=', guard.owner);
  else
    q = q.where('status', '=', 'running').where('lease_expires_at', '<', guard.expiredBefore.toISOString());
  return q
    .returning(['org_id', 'trigger', 'full_sync', 'retry_count', 'stats', 'error_class', 'error_message'])
    .executeTakeFirst();
}

/** The run's fields a return to pending may also set (the next attempt's number, its not-before, why). */
export type RequeueFields = Partial<
  Pick<RunRow, 'retry_count' | 'not_before' | 'error_message' | 'error_class' | 'stats' | 'log_counts'>
>;

/** Puts a running run back to pending, its lease released; false when it was no longer the guard's. */
export async function requeueRunRow(
  tx: Db,
  runId: string,
  fields: RequeueFields,
  guard: Exclude<FinishGuard, 'active'>,
  now: Date,
): Promise<boolean> {
  let q = tx
    .updateTable('sync_runs')
    .set({
      ...fields,
      status: 'pending' satisfies RunStatus,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now.toISOString(),
    })
    .where('id', '=', runId)
    .where('status', '=', 'running' satisfies RunStatus);
  q =
    'owner' in guard
      ? q.where('lease_owner', '=', guard.owner)
      : q.where('lease_expires_at', '<', guard.expiredBefore.toISOString());
  const result = await q.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Inserts runs in one statement, but none for a connection with an active run already (the partial
 * unique index) or a slot already taken; the ids of those inserted, by connection.
 */
export async function insertRuns(tx: Db, runs: Insertable<SyncRunsTable>[]): Promise<Map<string, string>> {
  const inserted = await tx
    .insertInto('sync_runs')
    .values(runs)
    .onConflict((oc) => oc.doNothing())
    .returning(['id', 'connection_id'])
    .execute();
  return new Map(inserted.map((run) => [run.connection_id, run.id]));
}

/** Running runs whose lease expired before `now`: their worker is gone. */
export function expiredRuns(db: Db, now: Date, limit: number): Promise<RunRow[]> {
  return db
    .selectFrom('sync_runs')
    .selectAll()
    .where('status', '=', 'running' satisfies RunStatus)
    .where('lease_expires_at', '<', now.toISOString())
    .limit(limit)
    .execute();
}

/** Pending runs due at `now` (no backoff left), oldest first. */
export async function duePendingRuns(db: Db, now: Date, limit: number): Promise<string[]> {
  const at = now.toISOString();
  const rows = await db
    .selectFrom('sync_runs')
    .select('id')
    .where('status', '=', 'pending' satisfies RunStatus)
    .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]))
    .orderBy('queued_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

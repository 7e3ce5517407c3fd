/**
 * Sync activity in time windows, for the dashboard: every figure is aggregated in the database
 * (grouped by hour or by connection), never counted run by run in code.
 */
import type { ExpressionBuilder } from 'kysely';
import { hourOf } from '../../../platform/db/aggregates.js';
import type { Db } from '../../../platform/db/database.js';
import type { Tables } from '../../../platform/db/tables.js';
import { FINISHED_STATUSES, type RunStatus, SUCCESSFUL_STATUSES } from '../model.js';

/** An org's runs (of one connection, when given) between `since` and `until`, both ISO 8601. */
export interface ActivityWindow {
  orgId: string;
  connectionId?: string;
  since: string;
  until: string;
}

/** What the runs of a window did: started, succeeded (completed or partial), failed, items synced. */
export interface RunTotals {
  runs_started: number;
  runs_completed: number;
  runs_failed: number;
  items_synced: number;
}

const FAILED: RunStatus = 'failed';

function orgRuns(db: Db, window: ActivityWindow) {
  let q = db.selectFrom('sync_runs').where('org_id', '=', window.orgId);
  if (window.connectionId !== undefined) q = q.where('connection_id', '=', window.connectionId);
  return q;
}

/** The window's runs that finished, by `completed_at`. */
function finishedRuns(db: Db, window: ActivityWindow) {
  return orgRuns(db, window)
    .where('status', 'in', FINISHED_STATUSES)
    .where('completed_at', '>=', window.since)
    .where('completed_at', '<=', window.until);
}

/** What finished runs did: succeeded (completed or partial), failed, items synced. */
function finishedFigures(eb: ExpressionBuilder<Tables, 'sync_runs'>) {
  return [
    eb.fn
      .count<number>(eb.case().when('status', 'in', SUCCESSFUL_STATUSES).then(1).end())
      .as('runs_completed'),
    eb.fn.count<number>(eb.case().when('status', '=', FAILED).then(1).end()).as('runs_failed'),
    eb.fn.sum<number>('items_synced').as('items_synced'),
  ];
}

/**
 * The window's totals: runs counted as started by `started_at`, and as succeeded or failed, with
 * their items, by `completed_at` (a run started before the window may end in it). Two reads, each
 * from an index holding every column it needs.
 */
export async function runTotals(db: Db, window: ActivityWindow): Promise<RunTotals> {
  const started = orgRuns(db, window)
    .where('started_at', '>=', window.since)
    .where('started_at', '<=', window.until)
    .select((eb) => eb.fn.countAll<number>().as('runs_started'));
  const finished = finishedRuns(db, window).select(finishedFigures);
  const row = await db
    .selectFrom([started.as('s'), finished.as('f')])
    .select(['s.runs_started', 'f.runs_completed', 'f.runs_failed', 'f.items_synced'])
    .executeTakeFirstOrThrow();
  return {
    runs_started: Number(row.runs_started),
    runs_completed: Number(row.runs_completed),
    runs_failed: Number(row.runs_failed),
    items_synced: Number(row.items_synced ?? 0),
  };
}

/** Runs started in the window, by the UTC hour they started in (hours with none are absent). */
export function runsStartedByHour(db: Db, window: ActivityWindow) {
  const hour = hourOf(db, 'started_at');
  return orgRuns(db, window)
    .where('started_at', '>=', window.since)
    .where('started_at', '<=', window.until)
    .select((eb) => [hour.label.as('hour'), eb.fn.countAll<number>().as('runs_started')])
    .groupBy(hour.key)
    .execute();
}

/** Runs finished in the window, by the UTC hour they finished in: successes, failures, items synced. */
export function runsFinishedByHour(db: Db, window: ActivityWindow) {
  const hour = hourOf(db, 'completed_at');
  return finishedRuns(db, window)
    .select((eb) => [hour.label.as('hour'), ...finishedFigures(eb)])
    .groupBy(hour.key)
    .execute();
}

/** Per connection: runs that finished since `rateSince` (successes, and successes plus failures), items synced since `itemsSince`, the last success since `successSince`. */
export interface ConnectionRunFigures {
  connection_id: string;
  succeeded: number;
  counted: number;
  items_synced: number;
  last_success_at: string | null;
}

/**
 * The org's connections' run figures in one scan grouped by connection. Cancelled runs count in
 * no rate (as in the health report's uptime); a connection with no finished run is absent.
 */
export async function connectionRunFigures(
  db: Db,
  orgId: string,
  at: { rateSince: string; itemsSince: string; successSince: string; until: string },
): Promise<ConnectionRunFigures[]> {
  const since = [at.rateSince, at.itemsSince, at.successSince].sort()[0]!;
  const rows = await db
    .selectFrom('sync_runs')
    .where('org_id', '=', orgId)
    .where('status', 'in', FINISHED_STATUSES)
    .where('completed_at', '>=', since)
    .where('completed_at', '<=', at.until)
    .select((eb) => {
      const ok = eb('status', 'in', SUCCESSFUL_STATUSES);
      const inRate = eb('completed_at', '>=', at.rateSince);
      return [
        'connection_id',
        eb.fn
          .count<number>(
            eb
              .case()
              .when(eb.and([inRate, ok]))
              .then(1)
              .end(),
          )
          .as('succeeded'),
        eb.fn
          .count<number>(
            eb
              .case()
              .when(eb.and([inRate, eb('status', 'in', [...SUCCESSFUL_STATUSES, FAILED])]))
              .then(1)
              .end(),
          )
          .as('counted'),
        eb.fn
          .sum<number>(
            eb.case().when('completed_at', '>=', at.itemsSince).then(eb.ref('items_synced')).else(0).end(),
          )
          .as('items_synced'),
        eb.fn
          .max<string | null>(
            eb
              .case()
              .when(eb.and([ok, eb('completed_at', '>=', at.successSince)]))
              .then(eb.ref('completed_at'))
              .end(),
          )
          .as('last_success_at'),
      ];
    })
    .groupBy('connection_id')
    .execute();
  return rows.map((row) => ({
    connection_id: row.connection_id,
    succeeded: Number(row.succeeded),
    counted: Number(row.counted),
    items_synced: Number(row.items_synced ?? 0),
    last_success_at: row.last_success_at,
  }));
}

/** The org's runs that failed in the window, the latest first. */
export function failedRuns(db: Db, window: ActivityWindow, limit: number) {
  return orgRuns(db, window)
    .where('status', '=', FAILED)
    .where('completed_at', '>=', window.since)
    .where('completed_at', '<=', window.until)
    .select(['id', 'connection_id', 'status', 'error_message', 'completed_at'])
    .orderBy('completed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { changeHealth } from '../connections/change.js';
import type { ConnectionStatus } from '../connections/store.js';
import { recordEvent } from '../events/outbox.js';
import { type HealthThresholds, healthFor } from '../health/levels.js';
import type { LogCounts, RunStats, RunStatus } from './model.js';
import { lockRunConnection, type RunRow } from './runs-store.js';

export type FinalStatus = Extract<RunStatus, 'completed' | 'partial' | 'failed' | 'cancelled'>;

export interface RunOutcome {
  status: FinalStatus;
  stats: RunStats;
  logCounts: LogCounts;
  errorMessage: string | null;
  errorClass?: string | null;
  errorDetails?: Record<string, unknown> | null;
  /** An authentication failure puts the connection in `error` until its credentials are fixed. */
  connectionError?: boolean;
}

/** Who may finish the run: its lease holder, or anyone while it is still active (cancel, reaper). */
export type FinishGuard = { owner: string } | { expiredBefore: Date } | 'active';

/**
 * Ends a run and updates its connection's sync state and counters in the caller's transaction, so
 * the two never disagree. False when the run had already ended or changed hands (nothing written).
 */
export async function finishRun(
  tx: Db,
  run: Pick<RunRow, 'id' | 'connection_id' | 'started_at'>,
  outcome: RunOutcome,
  guard: FinishGuard,
  thresholds: HealthThresholds,
  now: Date,
): Promise<boolean> {
  await lockRunConnection(tx, run.id);
  const at = now.toISOString();
  const durationMs = run.started_at === null ? null : Math.max(0, now.getTime() - Date.parse(run.started_at));
  let q = tx
    .updateTable('sync_runs')
    .set({
      status: outcome.status,
      completed_at: at,
      duration_ms: durationMs,
      stats: { ...outcome.stats },
      log_counts: { ...outcome.logCounts },
      error_message: outcome.errorMessage,
      error_class: outcome.errorClass ?? null,
      error_details: outcome.errorDetails ?? null,
      lease_owner: null,
      lease_expires_at: null,
      not_before: null,
      ...(outcome.status === 'cancelled' ? { cancel_requested_at: at } : {}),
      updated_at: at,
    })
    .where('id', '=', run.id);
  if (guard === 'active') q = q.where('status', 'in', ['pending', 'running']);
  else if ('owner' in guard) q = q.where('status', '=', 'running').where('lease_owner', '=', guard.owner);
  else
    q = q.where('status', '=', 'running').where('lease_expires_at', '<', guard.expiredBefore.toISOString());
  const ended = await q
    .returning(['org_id', 'trigger', 'retry_count', 'stats', 'error_class', 'error_message'])
    .executeTakeFirst();
  if (!ended) return false;
  await recordEvent(
    tx,
    {
      type: `sync.run.${outcome.status}`,
      orgId: ended.org_id,
      subjectId: run.id,
      payload: {
        connection_id: run.connection_id,
        trigger: ended.trigger,
        retry_count: ended.retry_count,
        duration_ms: durationMs,
        stats: ended.stats,
        error_class: ended.error_class,
        error_message: ended.error_message,
      },
    },
    now,
  );

  const back: ConnectionStatus = outcome.connectionError ? 'error' : 'connected';
  const status = sql<string>`case when status = 'syncing' then ${back} else status end`;
  if (outcome.status === 'cancelled') {
    await tx
      .updateTable('integration_connections')
      .set({ status, updated_at: at })
      .where('id', '=', run.connection_id)
      .execute();
    return true;
  }
  const failed = outcome.status === 'failed';
  const failures = failed ? sql<number>`consecutive_failures + 1` : sql<number>`0`;
  const counted = await tx
    .updateTable('integration_connections')
    .set({
      status: outcome.connectionError
        ? sql<string>`case when status = 'disabled' then status else 'error' end`
        : status,
      last_sync_at: at,
      last_sync_status: outcome.status,
      last_sync_error: outcome.errorMessage,
      last_sync_duration_ms: durationMs,
      last_sync_stats: { ...outcome.stats },
      total_runs: sql<number>`total_runs + 1`,
      successful_runs: failed ? sql<number>`successful_runs` : sql<number>`successful_runs + 1`,
      failed_runs: failed ? sql<number>`failed_runs + 1` : sql<number>`failed_runs`,
      consecutive_failures: failures,
      updated_at: at,
    })
    .where('id', '=', run.connection_id)
    .returning('consecutive_failures')
    .executeTakeFirst();
  if (counted)
    await changeHealth(tx, run.connection_id, healthFor(counted.consecutive_failures, thresholds), now);
  return true;
}

/** The run's fields a return to pending may also set (the next attempt's number, its not-before, why). */
export type RequeueFields = Partial<
  Pick<RunRow, 'retry_count' | 'not_before' | 'error_message' | 'error_class' | 'stats' | 'log_counts'>
>;

/**
 * Puts a running run back to pending, its lease released, for another attempt or another worker,
 * and its connection back from `syncing` (the next claim sets it again). False when the run was
 * no longer the guard's to move.
 */
export async function requeueRun(
  tx: Db,
  run: Pick<RunRow, 'id' | 'connection_id'>,
  fields: RequeueFields,
  guard: Exclude<FinishGuard, 'active'>,
  now: Date,
): Promise<boolean> {
  await lockRunConnection(tx, run.id);
  let q = tx
    .updateTable('sync_runs')
    .set({
      ...fields,
      status: 'pending' satisfies RunStatus,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now.toISOString(),
    })
    .where('id', '=', run.id)
    .where('status', '=', 'running' satisfies RunStatus);
  q =
    'owner' in guard
      ? q.where('lease_owner', '=', guard.owner)
      : q.where('lease_expires_at', '<', guard.expiredBefore.toISOString());
  const result = await q.executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await tx
    .updateTable('integration_connections')
    .set({ status: 'connected' satisfies ConnectionStatus })
    .where('id', '=', run.connection_id)
    .where('status', '=', 'syncing' satisfies ConnectionStatus)
    .execute();
  return true;
}

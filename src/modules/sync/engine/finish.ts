import type { Db } from '../../../platform/db/database.js';
import { endRun, type HealthThresholds, move } from '../../connections/lifecycle.js';
import { lockConnectionOfRun } from '../../connections/store.js';
import { recordEvent } from '../../events/outbox.js';
import type { LogCounts, RunStats, RunStatus } from '../model.js';
import {
  endRunRow,
  type FinishGuard,
  type RequeueFields,
  type RunRow,
  requeueRunRow,
} from '../storage/runs.js';

export type { FinishGuard, RequeueFields };

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
  await lockConnectionOfRun(tx, run.id);
  const at = now.toISOString();
  const durationMs = run.started_at === null ? null : Math.max(0, now.getTime() - Date.parse(run.started_at));
  const ended = await endRunRow(
    tx,
    run.id,
    {
      status: outcome.status,
      stats: outcome.stats,
      logCounts: outcome.logCounts,
      errorMessage: outcome.errorMessage,
      errorClass: outcome.errorClass ?? null,
      errorDetails: outcome.errorDetails ?? null,
      durationMs,
    },
    guard,
    now,
  );
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

  await endRun(
    tx,
    run.connection_id,
    {
      counted: outcome.status === 'cancelled' ? 'none' : outcome.status === 'failed' ? 'failure' : 'success',
      authFailure: outcome.connectionError === true,
      lastSync: {
        last_sync_at: at,
        last_sync_status: outcome.status,
        last_sync_error: outcome.errorMessage,
        last_sync_duration_ms: durationMs,
        last_sync_stats: { ...outcome.stats },
        ...(ended.full_sync && outcome.status === 'completed' ? { last_full_sync_at: at } : {}),
      },
    },
    thresholds,
    now,
  );
  return true;
}

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
  await lockConnectionOfRun(tx, run.id);
  if (!(await requeueRunRow(tx, run.id, fields, guard, now))) return false;
  await move(tx, { id: run.connection_id }, 'run_requeued', now);
  return true;
}

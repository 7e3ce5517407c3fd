import type { Expression, SqlBool } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { changeHealth } from '../connections/change.js';
import { nextHealthCheckAt } from '../connections/schedule.js';
import type { Health } from '../connections/store.js';
import { SUCCESSFUL_STATUSES } from '../sync/model.js';
import { type HealthThresholds, healthFor } from './levels.js';

const HOUR_MS = 3_600_000;

/** Where uptime is measured, and the statuses that count in it: cancelled and unfinished runs do not. */
const UPTIME_WINDOWS = { last_24h: 24 * HOUR_MS, last_7d: 7 * 24 * HOUR_MS, last_30d: 30 * 24 * HOUR_MS };
const COUNTED_STATUSES = [...SUCCESSFUL_STATUSES, 'failed'] as const;

export interface Uptime {
  last_24h_success_rate: number | null;
  last_7d_success_rate: number | null;
  last_30d_success_rate: number | null;
}

/** The connection's latest runs, newest first. */
export function recentRuns(db: Db, orgId: string, connectionId: string, limit = 5) {
  return db
    .selectFrom('sync_runs')
    .select(['id', 'status', 'started_at', 'duration_ms'])
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

const rate = (successful: number, counted: number) =>
  counted === 0 ? null : Math.round((successful / counted) * 1000) / 10;

/**
 * Success rates of the runs that finished in the last 24 h, 7 d and 30 d, in percent with one
 * decimal; null for a window no run finished in. One scan with conditional counts serves all three.
 */
export async function uptime(db: Db, orgId: string, connectionId: string, now: Date): Promise<Uptime> {
  const since = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const from = { day: since(UPTIME_WINDOWS.last_24h), week: since(UPTIME_WINDOWS.last_7d) };
  const row = await db
    .selectFrom('sync_runs')
    .select((eb) => {
      const ok = eb('status', 'in', SUCCESSFUL_STATUSES);
      const count = (condition: Expression<SqlBool>) =>
        eb.fn.count<number>(eb.case().when(condition).then(1).end());
      return [
        count(eb.and([eb('completed_at', '>=', from.day), ok])).as('ok_24h'),
        count(eb('completed_at', '>=', from.day)).as('all_24h'),
        count(eb.and([eb('completed_at', '>=', from.week), ok])).as('ok_7d'),
        count(eb('completed_at', '>=', from.week)).as('all_7d'),
        count(ok).as('ok_30d'),
        eb.fn.countAll<number>().as('all_30d'),
      ];
    })
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('status', 'in', COUNTED_STATUSES)
    .where('completed_at', '>=', since(UPTIME_WINDOWS.last_30d))
    .where('completed_at', '<=', now.toISOString())
    .executeTakeFirstOrThrow();
  return {
    last_24h_success_rate: rate(Number(row.ok_24h), Number(row.all_24h)),
    last_7d_success_rate: rate(Number(row.ok_7d), Number(row.all_7d)),
    last_30d_success_rate: rate(Number(row.ok_30d), Number(row.all_30d)),
  };
}

/** Connections whose scheduled health check is due, oldest slot first. */
export function dueChecks(db: Db, now: Date, limit: number) {
  return db
    .selectFrom('integration_connections')
    .select(['id', 'org_id', 'next_health_check_at', 'health_check_interval_mins'])
    .where('next_health_check_at', '<=', now.toISOString())
    .where('status', 'not in', ['disabled', 'pending_setup'])
    .orderBy('next_health_check_at')
    .limit(limit)
    .execute();
}

/**
 * Takes a due slot by moving it on, only if it is still the one read: of several schedulers that
 * read the same slot exactly one changes the row, and only that one runs the check.
 */
export async function claimSlot(db: Db, id: string, slot: string, next: string): Promise<boolean> {
  const result = await db
    .updateTable('integration_connections')
    .set({ next_health_check_at: next })
    .where('id', '=', id)
    .where('next_health_check_at', '=', slot)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface CheckOutcome {
  passed: boolean;
  /** The provider's complaint when the check failed; null clears the stored one. */
  error: string | null;
}

/**
 * Records a check on the connection, in the caller's transaction, and returns the new failure count
 * and health; undefined when the connection is gone. The count moves in SQL (reset, or +1) so
 * concurrent checks and syncs never lose a failure. A connection with no schedule (never enabled,
 * or disabled meanwhile) is not given one.
 */
export async function recordCheck(
  tx: Db,
  target: { orgId: string; id: string; intervalMins: number },
  outcome: CheckOutcome,
  thresholds: HealthThresholds,
  now: Date,
): Promise<{ consecutive_failures: number; health: Health } | undefined> {
  const at = now.toISOString();
  const row = await tx
    .updateTable('integration_connections')
    .set((eb) => ({
      last_health_check_at: at,
      last_health_error: outcome.error,
      consecutive_failures: outcome.passed ? 0 : eb('consecutive_failures', '+', 1),
      // The column in the null branch gives the parameter its type on PostgreSQL (timestamptz).
      next_health_check_at: eb
        .case()
        .when('next_health_check_at', 'is', null)
        .then(eb.ref('next_health_check_at'))
        .else(nextHealthCheckAt(target.intervalMins, now))
        .end(),
      updated_at: at,
    }))
    .where('id', '=', target.id)
    .where('org_id', '=', target.orgId)
    .returning('consecutive_failures')
    .executeTakeFirst();
  if (!row) return undefined;
  // The row stays locked until commit, so the count read back is the one health is computed from.
  const health = healthFor(row.consecutive_failures, thresholds);
  await changeHealth(tx, target.id, health, now);
  return { consecutive_failures: row.consecutive_failures, health };
}

import type { Expression, SqlBool } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { SUCCESSFUL_STATUSES } from '../sync/model.js';

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

import { CronExpressionParser } from 'cron-parser';
import type { SyncSchedule } from '../connections/schedule.js';

const MINUTE_MS = 60_000;
const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;
/** Enough occurrences for a cron every five minutes over a week; a busier one has short gaps anyway. */
const MAX_OCCURRENCES = 2_100;

/**
 * The minutes a connection's schedule leaves between two syncs: its interval, or for a cron the
 * longest gap between its occurrences in the coming week (a weekday cron expects the weekend's
 * gap, not a day's), or between its next two when it fires less than twice a week.
 */
export function expectedIntervalMins(schedule: SyncSchedule, now: Date): number {
  if (!schedule.sync_cron) return schedule.sync_interval_mins;
  const occurrences = CronExpressionParser.parse(schedule.sync_cron.trim(), {
    currentDate: now,
    tz: schedule.sync_timezone ?? 'UTC',
  });
  const end = now.getTime() + WEEK_MS;
  let previous = occurrences.next().getTime();
  let longest = 0;
  for (let i = 0; i < MAX_OCCURRENCES; i++) {
    const next = occurrences.next().getTime();
    longest = Math.max(longest, next - previous);
    if (next > end) break;
    previous = next;
  }
  return Math.round(longest / MINUTE_MS);
}

/** Stale: no successful sync within twice the expected interval, or none ever. */
export function isStale(lastSuccessAt: string | null, intervalMins: number, now: Date): boolean {
  if (lastSuccessAt === null) return true;
  return now.getTime() - Date.parse(lastSuccessAt) > 2 * intervalMins * MINUTE_MS;
}

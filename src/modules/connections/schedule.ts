import { CronExpressionParser } from 'cron-parser';
import { InvalidFieldsError } from '../../platform/errors.js';

const MINUTE_MS = 60_000;

function parse(cron: string, from: Date, tz = 'UTC') {
  return CronExpressionParser.parse(cron, { currentDate: from, tz });
}

/**
 * Refuses what is not a five-field cron expression (or a macro such as `@daily`). The library also
 * reads a seconds field and pads short expressions; neither is what a user of cron expects.
 */
export function checkCron(cron: string, field = 'sync_cron'): void {
  const trimmed = cron.trim();
  let problem: string | undefined;
  if (!trimmed.startsWith('@') && trimmed.split(/\s+/).length !== 5) {
    problem = 'must have five fields: minute hour day-of-month month day-of-week';
  } else {
    try {
      parse(trimmed, new Date(0)).next();
    } catch (error) {
      problem = `is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (problem) throw new InvalidFieldsError([{ field, message: problem }]);
}

/** Refuses what is not an IANA time zone name. */
export function checkTimezone(zone: string, field = 'sync_timezone'): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidFieldsError([{ field, message: 'is not an IANA time zone (e.g. Europe/Paris)' }]);
  }
}

export interface SyncSchedule {
  sync_cron: string | null;
  sync_interval_mins: number;
  sync_timezone?: string | null;
}

/**
 * When the next sync is due after `now`: the cron's next occurrence (in the connection's zone, UTC
 * by default) when set, else the interval. From a `slot` that was due, the interval keeps its
 * cadence (slot + k·interval) rather than drifting by the scheduler's lag; slots missed while
 * nothing ran are not replayed.
 */
export function nextSyncAt(schedule: SyncSchedule, now: Date, slot?: Date): string {
  if (schedule.sync_cron) {
    return parse(schedule.sync_cron.trim(), now, schedule.sync_timezone ?? 'UTC')
      .next()
      .toDate()
      .toISOString();
  }
  const interval = schedule.sync_interval_mins * MINUTE_MS;
  if (!slot) return new Date(now.getTime() + interval).toISOString();
  const steps = Math.floor((now.getTime() - slot.getTime()) / interval) + 1;
  return new Date(slot.getTime() + Math.max(1, steps) * interval).toISOString();
}

export function nextHealthCheckAt(intervalMins: number, now: Date): string {
  return new Date(now.getTime() + intervalMins * MINUTE_MS).toISOString();
}

import { CronExpressionParser } from 'cron-parser';
import { invalidFields } from '../../platform/http/errors.js';

const MINUTE_MS = 60_000;

function parse(cron: string, from: Date) {
  return CronExpressionParser.parse(cron, { currentDate: from, tz: 'UTC' });
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
  if (problem) throw invalidFields([{ field, location: 'body', message: problem }]);
}

/** When the next sync is due: the cron's next occurrence in UTC when set, else now + the interval. */
export function nextSyncAt(
  schedule: { sync_cron: string | null; sync_interval_mins: number },
  now: Date,
): string {
  if (schedule.sync_cron) return parse(schedule.sync_cron.trim(), now).next().toDate().toISOString();
  return new Date(now.getTime() + schedule.sync_interval_mins * MINUTE_MS).toISOString();
}

export function nextHealthCheckAt(intervalMins: number, now: Date): string {
  return new Date(now.getTime() + intervalMins * MINUTE_MS).toISOString();
}

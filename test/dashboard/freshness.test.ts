import { describe, expect, it } from 'vitest';
import { expectedIntervalMins, isStale } from '../../src/modules/dashboard/freshness.js';

// A Friday noon, UTC.
const NOW = new Date('2026-11-20T12:00:00.000Z');
const schedule = (
  sync_cron: string | null,
  sync_interval_mins = 360,
  sync_timezone: string | null = null,
) => ({
  sync_cron,
  sync_interval_mins,
  sync_timezone,
});

describe('the interval a connection expects between syncs', () => {
  it('is the interval, or a cron’s longest gap over the coming week', () => {
    expect(expectedIntervalMins(schedule(null, 90), NOW)).toBe(90);
    expect(expectedIntervalMins(schedule('0 */6 * * *', 5), NOW)).toBe(360);
    // Weekdays at nine: the weekend's gap, Friday to Monday, not a day's.
    expect(expectedIntervalMins(schedule('0 9 * * 1-5'), NOW)).toBe(3 * 24 * 60);
    // Fewer than two in a week: the gap between the next two (1 December to 1 January).
    expect(expectedIntervalMins(schedule('@monthly'), NOW)).toBe(31 * 24 * 60);
  });

  it('reads a cron in its time zone', () => {
    // Daily at nine in Paris, the week summer time ends (25 October 2026): one gap is 25 hours.
    const october = new Date('2026-10-22T12:00:00.000Z');
    expect(expectedIntervalMins(schedule('0 9 * * *', 5, 'Europe/Paris'), october)).toBe(25 * 60);
    expect(expectedIntervalMins(schedule('0 9 * * *', 5), october)).toBe(24 * 60);
  });
});

describe('staleness', () => {
  it('is no success within twice the interval, or none ever', () => {
    expect(isStale(null, 60, NOW)).toBe(true);
    expect(isStale('2026-11-20T10:00:00.000Z', 60, NOW)).toBe(false); // exactly twice: still fresh
    expect(isStale('2026-11-20T09:59:59.999Z', 60, NOW)).toBe(true);
  });
});

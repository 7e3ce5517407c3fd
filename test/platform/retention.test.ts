import { describe, expect, it } from 'vitest';
import { Retention } from '../../src/platform/db/retention.js';

const HOUR = 3_600_000;

/** A table of rows stamped with their times, deleted from the oldest, `limit` at a time. */
function table(times: number[]) {
  const rows = [...times].sort((a, b) => a - b);
  const calls: { cutoff: number; limit: number }[] = [];
  const deleteBefore = async (cutoff: Date, limit: number) => {
    calls.push({ cutoff: cutoff.getTime(), limit });
    const due = rows.filter((t) => t < cutoff.getTime()).length;
    const count = Math.min(due, limit);
    rows.splice(0, count);
    return count;
  };
  return { rows, calls, deleteBefore };
}

describe('Retention', () => {
  it('deletes every row older than the keep-time, a batch at a time, and says how many', async () => {
    const now = 100 * HOUR;
    const t = table([...Array.from({ length: 25 }, (_, i) => i * 1000), now - HOUR, now - 1]);
    const retention = new Retention(2 * HOUR, t.deleteBefore, 10);
    await expect(retention.prune(new Date(now))).resolves.toBe(25);
    expect(t.rows).toEqual([now - HOUR, now - 1]);
    // 10 + 10 + 5: the short batch ends the pass.
    expect(t.calls).toEqual([
      { cutoff: now - 2 * HOUR, limit: 10 },
      { cutoff: now - 2 * HOUR, limit: 10 },
      { cutoff: now - 2 * HOUR, limit: 10 },
    ]);
  });

  it('runs at most once an hour, however often it is asked', async () => {
    const t = table([]);
    const retention = new Retention(HOUR, t.deleteBefore);
    const start = 10 * HOUR;
    await retention.prune(new Date(start));
    await retention.prune(new Date(start + 1000));
    await retention.prune(new Date(start + HOUR - 1));
    expect(t.calls).toHaveLength(1);
    t.rows.push(start);
    await expect(retention.prune(new Date(start + 2 * HOUR))).resolves.toBe(1);
    expect(t.calls).toHaveLength(2);
  });
});

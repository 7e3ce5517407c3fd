import type { Db } from '../../platform/db/database.js';
import { attemptCounts, durationAtRank } from './storage/attempts.js';

const WINDOW_MS = 86_400_000;

/**
 * An endpoint's delivery attempts over the last 24 hours: how many, how many succeeded, the share
 * that did, and the latency (ms) of the answered ones at the median and the 95th percentile
 * (nearest rank). Rates and latencies are null when there is nothing to measure.
 */
export async function endpointStats(db: Db, endpointId: string, now: Date) {
  const since = new Date(now.getTime() - WINDOW_MS).toISOString();
  const counts = await attemptCounts(db, endpointId, since);
  const percentile = async (p: number) =>
    counts.answered === 0
      ? null
      : ((await durationAtRank(db, endpointId, since, Math.ceil(p * counts.answered) - 1)) ?? null);
  return {
    window_hours: 24,
    since,
    attempts: counts.total,
    succeeded: counts.succeeded,
    failed: counts.total - counts.succeeded,
    success_rate: counts.total === 0 ? null : counts.succeeded / counts.total,
    latency_ms: { p50: await percentile(0.5), p95: await percentile(0.95) },
  };
}

import type { Redis } from '../../platform/redis/redis.js';

const WINDOW_MS = 60_000;

/**
 * Each webhook's deliveries a minute (fixed windows): in Redis when the processes share one, so
 * every API process counts against the same window, else in this process.
 */
export interface RateGate {
  /** Counts a delivery; undefined when within the webhook's limit, else milliseconds until the window ends. */
  take(webhookId: string, perMinute: number | null): Promise<number | undefined>;
}

export function rateGate(defaultPerMinute: number, now: () => number, redis?: Redis): RateGate {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    async take(webhookId, perMinute) {
      const limit = perMinute ?? defaultPerMinute;
      const at = now();
      const start = at - (at % WINDOW_MS);
      let count: number;
      if (redis) {
        const key = `webhook-rate:${webhookId}:${start}`;
        const [[, counted]] = (await redis.multi().incr(key).pexpire(key, WINDOW_MS).exec()) as [
          [unknown, number],
        ];
        count = counted;
      } else {
        const window = windows.get(webhookId);
        const current = window && window.start === start ? window : { start, count: 0 };
        current.count += 1;
        windows.set(webhookId, current);
        count = current.count;
        // Windows of webhooks quiet for a minute are forgotten, so the map does not grow.
        if (windows.size > 10_000) for (const [id, w] of windows) if (w.start < start) windows.delete(id);
      }
      return count > limit ? start + WINDOW_MS - at : undefined;
    },
  };
}

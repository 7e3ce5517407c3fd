import type { InvalidationBus } from '../../platform/redis/invalidation.js';

/** The topic that wakes webhook processors in every process (see InvalidationBus). */
export const WEBHOOK_EVENTS_TOPIC = 'webhook-events';

/** How often, at most, a burst of accepted events is announced to other processes. */
const ANNOUNCE_EVERY_MS = 20;

/**
 * Wakes the processors after events are queued: here at once, elsewhere (scale-out) at most every
 * 20 ms however many events a burst accepts; their one-second poll covers a lost notice.
 */
export function processorWaker(bus: InvalidationBus, wakeHere: () => void): () => void {
  let announcing: NodeJS.Timeout | undefined;
  return () => {
    wakeHere();
    if (announcing !== undefined) return;
    announcing = setTimeout(() => {
      announcing = undefined;
      void bus.notify(WEBHOOK_EVENTS_TOPIC);
    }, ANNOUNCE_EVERY_MS);
    announcing.unref();
  };
}

import type { Clock } from '../../clock.js';
import type { Logger } from '../../logging/logger.js';

const WARN_EVERY_MS = 60_000;

/**
 * Reports that a limit could not be counted and the request passed anyway. While Redis is down this
 * happens on every limited request, so one warning per minute says it, with how many were skipped.
 */
export function failOpenReporter(logger: Logger, clock: Clock): (error: unknown, limit: string) => void {
  let lastWarnedAt = Number.NEGATIVE_INFINITY;
  let unlimited = 0;
  return (error, limit) => {
    unlimited += 1;
    const now = clock.now().getTime();
    if (now - lastWarnedAt < WARN_EVERY_MS) return;
    logger.warn(
      { err: error, limit, unlimited_requests: unlimited },
      'rate limiter store unavailable: requests pass without rate limits (failing open)',
    );
    lastWarnedAt = now;
    unlimited = 0;
  };
}

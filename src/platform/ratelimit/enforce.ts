import type { FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../clock.js';
import { AppError } from '../http/errors.js';
import type { Count, Counter } from './counter.js';

export interface LimitCheck {
  name: string;
  count: Counter;
}

function setHeaders(reply: FastifyReply, count: Count, clock: Clock): void {
  reply.header('x-ratelimit-limit', count.max);
  reply.header('x-ratelimit-remaining', count.remaining);
  // Epoch seconds when the window resets, as integration-provider-api.md shows it.
  reply.header('x-ratelimit-reset', Math.ceil((clock.now().getTime() + count.ttl) / 1000));
}

/**
 * Counts the request against each of a route's limits in turn and answers 429 at the first one
 * exceeded. The headers describe the limit with the fewest requests left, the one a client will hit.
 */
export function enforceLimits(
  checks: readonly LimitCheck[],
  clock: Clock,
  failOpen: (error: unknown, limit: string) => void,
): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    let tightest: Count | undefined;
    for (const { name, count } of checks) {
      let counted: Count | undefined;
      try {
        counted = await count(request);
      } catch (error) {
        failOpen(error, name);
        continue;
      }
      if (!counted) continue;
      if (counted.exceeded) {
        const retryAfter = Math.max(1, Math.ceil(counted.ttl / 1000));
        setHeaders(reply, counted, clock);
        reply.header('retry-after', retryAfter);
        throw new AppError('RATE_LIMIT_EXCEEDED', undefined, undefined, { retry_after: retryAfter });
      }
      if (!tightest || counted.remaining < tightest.remaining) tightest = counted;
    }
    if (tightest) setHeaders(reply, tightest, clock);
  };
}

import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from '../../redis/redis.js';
import type { RequestKey } from './keys.js';
import type { LimitPolicy } from './limits.js';

/** Where one request stands against one limit after being counted. */
export interface Count {
  max: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  ttl: number;
  exceeded: boolean;
}

/**
 * Counts a request against one limit (undefined: not counted), or with `increment: false` only reads
 * where its caller stands; rejects when the store (Redis) fails.
 */
export type Counter = (
  request: FastifyRequest,
  options?: { increment?: boolean },
) => Promise<Count | undefined>;

// Enough callers per limit in memory; the least recent are forgotten beyond it.
const MEMORY_CALLERS = 10_000;

/**
 * A counter for one named limit, on @fastify/rate-limit's stores (an LRU in memory, or a Lua script
 * in Redis). Each limit is a registration of its own, so that its max and window are the plugin's
 * and its Redis keys stay `ratelimit:<name>:<who>` (a limiter derived with options would get a child
 * store, whose keys carry a route, and a route-level config would count per route, not per class).
 */
export async function createCounter(
  app: FastifyInstance,
  name: string,
  policy: LimitPolicy,
  who: RequestKey,
  redis: Redis | undefined,
): Promise<Counter> {
  let counter: Counter | undefined;
  await app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      max: policy.max,
      timeWindow: policy.windowMs,
      keyGenerator: (request) => `${name}:${who(request)}`,
      cache: MEMORY_CALLERS,
      nameSpace: 'ratelimit:',
      ...(redis ? { redis } : {}),
      // Store failures reach us, so failing open is decided (and logged) in one place.
      skipOnError: false,
    });
    const check = scope.createRateLimit();
    counter = async (request, options) => {
      const result = await check(request, options);
      // Only an allow-list (none is configured) exempts a request.
      if (result.isAllowed) return undefined;
      // A read with no window open reports no ttl: the window a first count would open.
      const ttl = result.ttl > 0 ? result.ttl : policy.windowMs;
      return { max: result.max, remaining: result.remaining, ttl, exceeded: result.isExceeded };
    };
  });
  if (!counter) throw new Error(`rate limit ${name} was not registered`);
  return counter;
}

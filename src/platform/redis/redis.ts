import type { Redis } from 'ioredis';
import { lazyRequire } from '../lazy-require.js';

export type { Redis } from 'ioredis';

/** The ioredis client class, loaded on first use. */
export const RedisClient = () => (lazyRequire('ioredis') as typeof import('ioredis')).Redis;

export interface RedisOptions {
  url: string;
  keyPrefix: string;
}

/**
 * A command connection. Commands fail at once while disconnected (no offline queue), so callers
 * such as readiness and the rate limiter can degrade instead of hanging; ioredis keeps reconnecting.
 */
export function createRedis(options: RedisOptions): Redis {
  const redis = new (RedisClient())(options.url, {
    keyPrefix: options.keyPrefix,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // A Redis that hangs must fail a command, not stall the request that issued it.
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Connection errors surface through failing commands; without a listener ioredis would log each retry.
  redis.on('error', () => {});
  return redis;
}

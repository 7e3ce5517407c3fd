import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { type Clock, systemClock } from './platform/clock.js';
import { openDatabase } from './platform/db/database.js';
import type { Logger } from './platform/logging/logger.js';
import { createMetrics } from './platform/metrics/metrics.js';
import { createRedis } from './platform/redis/redis.js';

/** Opens what a process needs: the database, Redis when configured, a metrics registry. */
export function openContext(config: Config, logger: Logger, clock: Clock = systemClock): AppContext {
  return {
    clock,
    config,
    logger,
    database: openDatabase(config.database),
    redis: config.redis ? createRedis(config.redis) : undefined,
    metrics: createMetrics(),
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.database.close();
  ctx.redis?.disconnect();
}

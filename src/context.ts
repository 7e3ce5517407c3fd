import type { Config } from './config.js';
import type { Clock } from './platform/clock.js';
import type { Database } from './platform/db/database.js';
import type { Logger } from './platform/logging/logger.js';
import type { Metrics } from './platform/metrics/metrics.js';
import type { Redis } from './platform/redis/redis.js';

/** What a process has opened, handed to every module. */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly redis?: Redis;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
}

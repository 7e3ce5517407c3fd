import { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix` in the Redis at `url` (what FLUSHALL would do to one deployment
 * sharing a Redis with others); how many there were. Keys are found with SCAN, not KEYS, so a
 * shared Redis is not blocked.
 */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      const batch = keys as string[];
      if (batch.length > 0) deleted += await redis.del(...batch);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** How many keys are under `prefix`. */
export async function countKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let count = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      count += (keys as string[]).length;
    }
    return count;
  } finally {
    redis.disconnect();
  }
}

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** The BullMQ queue the do-it-yourself receiver adds each event to. */
export const DIY_QUEUE = 'webhooks';

/** The Redis server's process id (its CPU is part of what the do-it-yourself receiver costs). */
export async function redisPid(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (!Number.isInteger(pid)) throw new Error('Redis did not say its process id');
    return pid;
  } finally {
    redis.disconnect();
  }
}

/** Removes the queue and every key left under its prefix; how many jobs it held. */
export async function removeQueue(url: string, prefix: string): Promise<number> {
  const queue = new Queue(DIY_QUEUE, { connection: { url }, prefix });
  let jobs: number;
  try {
    jobs = await queue.count();
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
  return jobs;
}

import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { lazyRequire } from '../lazy-require.js';
import { RedisClient } from '../redis/redis.js';

const bullmq = () => lazyRequire('bullmq') as typeof import('bullmq');

import type { Logger } from '../logging/logger.js';
import type { JobQueue } from './job-queue.js';

const HELD_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Scale-out dispatch through BullMQ. The job id is the run id, so BullMQ drops a second enqueue of
 * a job it holds; finished jobs are removed at once, so a run that goes back to pending for a retry
 * can be enqueued again. BullMQ's own retries stay off: attempts are the engine's, on the row.
 */
export class BullMqQueue implements JobQueue {
  readonly #queue: Queue;
  #worker: Worker | undefined;
  // BullMQ refuses ioredis' keyPrefix; it has its own `prefix`. Blocking workers need
  // maxRetriesPerRequest null, so these connections are not the app's command connection.
  readonly #connection: Redis;
  #workerConnection: Redis | undefined;

  constructor(
    private readonly options: {
      url: string;
      prefix: string;
      name: string;
      /** How long a job stays locked to a worker that stopped renewing it (the run lease). */
      lockMs?: number;
    },
    private readonly logger: Logger,
  ) {
    this.#connection = this.#connect();
    this.#queue = new (bullmq().Queue)(options.name, { connection: this.#connection, prefix: this.#prefix });
    this.#queue.on('error', (err) => this.logger.warn({ err }, 'queue error'));
  }

  #connect(): Redis {
    const connection = new (RedisClient())(this.options.url, { maxRetriesPerRequest: null });
    connection.on('error', (err) => this.logger.warn({ err }, 'queue connection error'));
    return connection;
  }

  get #prefix(): string {
    return `${this.options.prefix}bull`;
  }

  async enqueue(id: string): Promise<void> {
    await this.#queue.add('run', null, { jobId: id, removeOnComplete: true, removeOnFail: true });
  }

  consume(handler: (id: string) => Promise<void>, concurrency: number): void {
    this.#workerConnection = this.#connect();
    this.#worker = new (bullmq().Worker)(
      this.options.name,
      async (job) => {
        if (job.id) await handler(job.id);
      },
      {
        connection: this.#workerConnection,
        prefix: this.#prefix,
        concurrency,
        // A killed worker's job stays `active` until its lock lapses; `holds` then lets it go.
        ...(this.options.lockMs ? { lockDuration: this.options.lockMs } : {}),
        // A run holds its own lease on the row; BullMQ's stalled-job recovery would only hand the
        // job to another worker whose claim then fails, so it runs rarely.
        stalledInterval: 60_000,
      },
    );
    this.#worker.on('error', (err) => this.logger.warn({ err }, 'queue worker error'));
  }

  async holds(id: string): Promise<boolean> {
    const job = await this.#queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'active') return HELD_STATES.has(state);
    // An active job whose lock lapsed belongs to a worker that died: left alone it would swallow
    // the run's re-enqueue (same job id) until BullMQ's stalled check. `remove` refuses a locked
    // job, so only a dead one goes.
    return (await this.#queue.remove(id)) === 0;
  }

  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue.close();
    this.#connection.disconnect();
    this.#workerConnection?.disconnect();
  }
}

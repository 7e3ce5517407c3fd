import type { Logger } from '../logging/logger.js';
import type { JobQueue } from './job-queue.js';

/** The embedded mode's queue: jobs live in this process, so a restart relies on the reaper. */
export class InProcessQueue implements JobQueue {
  readonly #waiting: string[] = [];
  readonly #held = new Set<string>();
  readonly #active = new Set<Promise<void>>();
  #handler: ((id: string) => Promise<void>) | undefined;
  #concurrency = 0;
  #closed = false;

  constructor(private readonly logger: Logger) {}

  async enqueue(id: string): Promise<void> {
    if (this.#closed || this.#held.has(id)) return;
    this.#held.add(id);
    this.#waiting.push(id);
    this.#pump();
  }

  consume(handler: (id: string) => Promise<void>, concurrency: number): void {
    this.#handler = handler;
    this.#concurrency = concurrency;
    this.#pump();
  }

  async holds(id: string): Promise<boolean> {
    return this.#held.has(id);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting.length = 0;
    await Promise.allSettled([...this.#active]);
  }

  #pump(): void {
    const handler = this.#handler;
    if (!handler) return;
    while (!this.#closed && this.#active.size < this.#concurrency && this.#waiting.length > 0) {
      const id = this.#waiting.shift() as string;
      // The handler records a run's own failure; a rejection here is a bug, logged, and must not
      // stop the queue.
      const job: Promise<void> = handler(id)
        .catch((err: unknown) => this.logger.error({ err, job_id: id }, 'queue handler failed'))
        .finally(() => {
          this.#active.delete(job);
          this.#held.delete(id);
          // The next job starts on a later turn of the event loop: SQLite calls never yield, so
          // chaining jobs directly starved timers (heartbeats, scheduler ticks) and HTTP requests
          // for whole bursts of runs (bench/sync).
          setImmediate(() => this.#pump());
        });
      this.#active.add(job);
    }
  }
}

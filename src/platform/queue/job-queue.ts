/**
 * Carries ids of work whose truth is a database row (a sync run). Delivery is at least once: a
 * consumer starts by claiming the row atomically and drops the job when the claim fails, and the
 * reaper re-enqueues rows that no queue holds. Two implementations: in-process and BullMQ.
 */
export interface JobQueue {
  /** Adds a job; a job with the same id already held is not added twice. */
  enqueue(id: string): Promise<void>;
  /** Starts handing jobs to `handler`, at most `concurrency` at once. */
  consume(handler: (id: string) => Promise<void>, concurrency: number): void;
  /** Whether the queue holds the job (waiting or being handled). */
  holds(id: string): Promise<boolean>;
  /** Stops taking jobs and waits for the ones being handled. */
  close(): Promise<void>;
}

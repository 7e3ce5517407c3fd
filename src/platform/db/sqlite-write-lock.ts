import { threadId } from 'node:worker_threads';

/**
 * Turns between the writers of this process that hold connections to the same SQLite file: the
 * main thread's connection and the sync engine's writer thread (src/modules/sync/storage/record-thread.ts).
 * The main thread's reads outside a transaction do not take it: in WAL mode they run beside a
 * writer (sqlite.ts).
 * SQLite would serialize their transactions itself, but a connection that finds the file locked
 * sleeps in its busy handler (1 ms, then longer), which on the main thread would stall the event
 * loop. Here the main thread waits without blocking (Atomics.waitAsync) and the writer thread
 * waits in Atomics.wait. The cell lives in a SharedArrayBuffer both threads map.
 */
export class SqliteWriteLock {
  // The cell holds who has the lock: 0 when free, else the holding thread's threadId + 1 (the main
  // thread's is 0), so that a dead thread's lock can be told from its successor's.
  static readonly #FREE = 0;
  readonly #cell: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.#cell = new Int32Array(buffer);
  }

  static #holder(thread: number): number {
    return thread + 1;
  }

  #tryAcquire(): number {
    return Atomics.compareExchange(this.#cell, 0, SqliteWriteLock.#FREE, SqliteWriteLock.#holder(threadId));
  }

  /** On the main thread: resolves once this thread holds the lock. */
  async acquire(): Promise<void> {
    for (;;) {
      const held = this.#tryAcquire();
      if (held === SqliteWriteLock.#FREE) return;
      const wait = Atomics.waitAsync(this.#cell, 0, held);
      if (wait.async) await wait.value;
    }
  }

  /** On the writer thread: blocks until it holds the lock. */
  acquireSync(): void {
    for (;;) {
      const held = this.#tryAcquire();
      if (held === SqliteWriteLock.#FREE) return;
      Atomics.wait(this.#cell, 0, held);
    }
  }

  release(): void {
    Atomics.store(this.#cell, 0, SqliteWriteLock.#FREE);
    Atomics.notify(this.#cell, 0);
  }

  /** After thread `thread` (its threadId) ended: frees the lock if that thread died holding it. */
  releaseAbandoned(thread: number): void {
    const dead = SqliteWriteLock.#holder(thread);
    if (Atomics.compareExchange(this.#cell, 0, dead, SqliteWriteLock.#FREE) === dead) {
      Atomics.notify(this.#cell, 0);
    }
  }
}

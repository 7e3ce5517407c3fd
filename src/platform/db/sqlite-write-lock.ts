/**
 * Turns between the threads of this process that hold connections to the same SQLite file: the
 * main thread's connection and the sync engine's writer thread (src/modules/sync/record-thread.ts).
 * SQLite would serialize their transactions itself, but a connection that finds the file locked
 * sleeps in its busy handler (1 ms, then longer), which on the main thread would stall the event
 * loop. Here the main thread waits without blocking (Atomics.waitAsync) and the writer thread
 * waits in Atomics.wait. The cell lives in a SharedArrayBuffer both threads map.
 */
export class SqliteWriteLock {
  // The cell holds who has the lock: free, the main thread, or the writer thread.
  static readonly #FREE = 0;
  static readonly #MAIN = 1;
  static readonly #THREAD = 2;
  readonly #cell: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.#cell = new Int32Array(buffer);
  }

  #tryAcquire(holder: number): number {
    return Atomics.compareExchange(this.#cell, 0, SqliteWriteLock.#FREE, holder);
  }

  /** On the main thread: resolves once this thread holds the lock. */
  async acquire(): Promise<void> {
    for (;;) {
      const held = this.#tryAcquire(SqliteWriteLock.#MAIN);
      if (held === SqliteWriteLock.#FREE) return;
      const wait = Atomics.waitAsync(this.#cell, 0, held);
      if (wait.async) await wait.value;
    }
  }

  /** On the writer thread: blocks until it holds the lock. */
  acquireSync(): void {
    for (;;) {
      const held = this.#tryAcquire(SqliteWriteLock.#THREAD);
      if (held === SqliteWriteLock.#FREE) return;
      Atomics.wait(this.#cell, 0, held);
    }
  }

  release(): void {
    Atomics.store(this.#cell, 0, SqliteWriteLock.#FREE);
    Atomics.notify(this.#cell, 0);
  }

  /** After the writer thread ended: frees the lock if it died holding it. */
  releaseAbandoned(): void {
    if (
      Atomics.compareExchange(this.#cell, 0, SqliteWriteLock.#THREAD, SqliteWriteLock.#FREE) ===
      SqliteWriteLock.#THREAD
    ) {
      Atomics.notify(this.#cell, 0);
    }
  }
}

import { setImmediate as turn } from 'node:timers/promises';
import { threadId, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SqliteWriteLock } from '../../src/platform/db/sqlite-write-lock.js';

/** Whether `promise` has settled after the event loop turned a few times. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 5; i++) await turn();
  return done;
}

describe('SQLite write lock', () => {
  it('makes the main thread wait, without blocking, while the writer thread holds it', async () => {
    const lock = new SqliteWriteLock();
    lock.acquireSync();
    const main = lock.acquire();
    expect(await settled(main)).toBe(false);
    lock.release();
    expect(await settled(main)).toBe(true);
    lock.release();
  });

  it('is shared through its buffer, as the writer thread maps it', async () => {
    const lock = new SqliteWriteLock();
    const mapped = new SqliteWriteLock(lock.buffer);
    await lock.acquire();
    const other = mapped.acquire();
    expect(await settled(other)).toBe(false);
    lock.release();
    expect(await settled(other)).toBe(true);
  });

  it('frees a lock a thread died holding, and only while that thread holds it', async () => {
    const lock = new SqliteWriteLock();
    lock.acquireSync();
    // Another thread's end leaves it held.
    lock.releaseAbandoned(threadId + 1);
    const waiting = lock.acquire();
    expect(await settled(waiting)).toBe(false);
    // This thread's end frees it: the waiter has it.
    lock.releaseAbandoned(threadId);
    expect(await settled(waiting)).toBe(true);
    // The end of a thread that is not holding it now leaves it held.
    const worker = new Worker('setTimeout(() => {}, 0)', { eval: true });
    const workerThread = worker.threadId;
    await new Promise((resolve) => worker.once('exit', resolve));
    lock.releaseAbandoned(workerThread);
    const next = lock.acquire();
    expect(await settled(next)).toBe(false);
    lock.release();
    expect(await settled(next)).toBe(true);
    lock.release();
  });
});

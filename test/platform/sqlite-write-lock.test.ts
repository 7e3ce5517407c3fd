import { setImmediate as turn } from 'node:timers/promises';
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

  it('frees a lock the writer thread died holding, and only that one', async () => {
    const lock = new SqliteWriteLock();
    lock.acquireSync();
    lock.releaseAbandoned();
    await lock.acquire();
    // Held by the main thread now: a dead writer thread's cleanup must leave it held.
    lock.releaseAbandoned();
    const next = lock.acquire();
    expect(await settled(next)).toBe(false);
    lock.release();
    expect(await settled(next)).toBe(true);
  });
});

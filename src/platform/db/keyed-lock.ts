import { sql } from 'kysely';
import type { Database, Db } from './database.js';

/** What a holder of the lock reads and writes through. */
export interface LockScope {
  /** Reads made here see everything committed by the lock's previous holders. */
  db: Db;
  /** Runs `fn` in one transaction that commits before the lock is released. */
  atomically<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

/**
 * A mutual-exclusion lock named by a string, for work that must run once at a time per key even
 * when it waits on the network (an OAuth token refresh): every process sharing the database waits
 * its turn, then re-reads what the previous holder wrote.
 */
export interface KeyedLock {
  run<T>(key: string, fn: (scope: LockScope) => Promise<T>): Promise<T>;
}

/**
 * PostgreSQL: a transaction-scoped advisory lock. It is released by the commit that makes the
 * holder's writes visible (or by the server when the holder's connection dies), so the next holder
 * always reads them. `hashtext` maps the key to the lock's integer; a collision only serialises two
 * unrelated keys.
 */
export function advisoryLock(db: Db): KeyedLock {
  return {
    run: (key, fn) =>
      db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
        return fn({ db: tx, atomically: (work) => work(tx) });
      }),
  };
}

// One chain per key for the whole process: every service instance on this database file shares it.
const tails = new Map<string, Promise<unknown>>();

/**
 * SQLite: one process owns the file (embedded mode), so a per-key chain of promises is enough. It
 * holds no transaction while it waits: SQLite has a single connection, and a transaction open
 * across a network call would stall every other query.
 */
export function processLock(db: Db): KeyedLock {
  return {
    async run(key, fn) {
      // The stored tails never reject, so each holder waits for the previous one however it ended.
      const previous = tails.get(key) ?? Promise.resolve();
      const turn = previous.then(() => fn({ db, atomically: (work) => db.transaction().execute(work) }));
      const tail = turn.catch(() => undefined);
      tails.set(key, tail);
      try {
        return await turn;
      } finally {
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
  };
}

/** The lock that works across the processes this database can be shared by. */
export function keyedLock(database: Pick<Database, 'db' | 'dialect'>): KeyedLock {
  return database.dialect === 'postgres' ? advisoryLock(database.db) : processLock(database.db);
}

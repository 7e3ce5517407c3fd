import { setImmediate as turn } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/platform/db/database.js';
import { openSqliteConnection } from '../../src/platform/db/sqlite.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';

/** Whether `promise` has settled after the event loop turned a few times: no clock involved. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 5; i++) await turn();
  return done;
}

const AT = '2026-01-01T00:00:00.000Z';

describe('the main thread on SQLite, beside the sync writer', () => {
  let testDb: TestDatabase;
  let database: Database;
  /** Another connection to the file: the record thread's, as it writes a group of batches. */
  let writer: BetterSqlite3.Database;

  beforeEach(async () => {
    testDb = sqliteDatabase();
    database = openDatabase(testDb.options);
    await database.migrate();
    writer = openSqliteConnection(database.sqlite!.file);
  });
  afterEach(async () => {
    writer.close();
    await database.close();
    await testDb.drop();
  });

  const keys = async () =>
    (await database.db.selectFrom('system_settings').select('key').orderBy('key').execute()).map(
      (r) => r.key,
    );
  const insert = (key: string) =>
    database.db.insertInto('system_settings').values({ key, value: {}, updated_at: AT }).execute();

  it('reads while the writer holds the write lock in a transaction; writes wait for it', async () => {
    const lock = database.sqlite!.writeLock;
    lock.acquireSync();
    writer.exec('begin immediate');
    writer.prepare(`insert into system_settings (key, value, updated_at) values ('synced', '{}', ?)`).run(AT);

    const write = insert('api');
    const transaction = database.db
      .transaction()
      .execute((tx) =>
        tx.insertInto('system_settings').values({ key: 'api-tx', value: {}, updated_at: AT }).execute(),
      );
    // The read answers at once, from the last committed snapshot.
    const read = keys();
    expect(await settled(read)).toBe(true);
    expect(await read).toEqual([]);
    expect(await settled(write)).toBe(false);
    expect(await settled(transaction)).toBe(false);

    writer.exec('commit');
    lock.release();
    await Promise.all([write, transaction]);
    expect(await keys()).toEqual(['api', 'api-tx', 'synced']);
  });

  it('keeps reads out of a transaction open on the main thread until it ends', async () => {
    let commit = () => {};
    const committing = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let written = () => {};
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const transaction = database.db.transaction().execute(async (tx) => {
      await tx.insertInto('system_settings').values({ key: 'open', value: {}, updated_at: AT }).execute();
      written();
      await committing;
    });
    await wrote;
    const read = keys();
    // It would otherwise run inside the transaction and see its uncommitted row.
    expect(await settled(read)).toBe(false);
    commit();
    await transaction;
    expect(await read).toEqual(['open']);
  });

  it('lets the event loop turn between writes made one after another', async () => {
    // A timer's or a request's callback waiting behind a caller that writes in a loop.
    let turnedAfter: number | undefined;
    let written = 0;
    setImmediate(() => {
      turnedAfter = written;
    });
    for (; written < 20; written++) {
      if (written % 2 === 0) await insert(`key-${written}`);
      else
        await database.db.transaction().execute((tx) =>
          tx
            .insertInto('system_settings')
            .values({ key: `key-${written}`, value: {}, updated_at: AT })
            .execute(),
        );
    }
    expect(turnedAfter).toBeLessThan(2);
  });
});

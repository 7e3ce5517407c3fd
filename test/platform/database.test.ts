import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { columnTypes } from '../../src/platform/db/column-types.js';
import { type Database, openDatabase } from '../../src/platform/db/database.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { DATABASE_URL } from '../helpers/env.js';

interface ScratchTable {
  id: string;
  flag: boolean | null;
  doc: object | null;
  at: string;
  big: number;
  ratio: number;
}

describe.each(dialects)('storage on $name', ({ name, create }) => {
  let testDb: TestDatabase;
  let database: Database;

  beforeEach(async () => {
    testDb = await create();
    database = openDatabase(testDb.options);
  });
  afterEach(async () => {
    await database.close();
    await testDb.drop();
  });

  it('applies every migration once, then reports none pending', async () => {
    expect(await database.pendingMigrations()).toEqual(Object.keys(migrations));
    expect(await database.migrate()).toEqual(Object.keys(migrations));
    expect(await database.migrate()).toEqual([]);
    expect(await database.pendingMigrations()).toEqual([]);
    expect(database.dialect).toBe(name);
  });

  it('round-trips JSON and timestamps through a real table', async () => {
    await database.migrate();
    const value = {
      nested: { list: [1, 'two', null, { deep: true }] },
      text: '[not json]',
      n: 12345678901234,
    };
    const at = '2026-11-22T16:09:35.123Z';
    await database.db.insertInto('system_settings').values({ key: 'k', value, updated_at: at }).execute();
    await database.db
      .insertInto('system_settings')
      .values({ key: 'str', value: { s: '"quoted"' }, updated_at: at })
      .execute();
    const rows = await database.db.selectFrom('system_settings').selectAll().orderBy('key').execute();
    expect(rows).toEqual([
      { key: 'k', value, updated_at: at },
      { key: 'str', value: { s: '"quoted"' }, updated_at: at },
    ]);
    const later = await database.db
      .selectFrom('system_settings')
      .select('key')
      .where('updated_at', '>', '2026-11-22T16:09:35.000Z')
      .execute();
    expect(later).toHaveLength(2);
  });

  it('round-trips booleans, JSON, timestamps and numbers, also under aliases and joins', async () => {
    const t = columnTypes(database.dialect);
    const db = database.db as unknown as Kysely<{ scratch: ScratchTable }>;
    await db.schema
      .createTable('scratch')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('flag', t.bool)
      .addColumn('doc', t.json)
      .addColumn('at', t.timestamp, (c) => c.notNull())
      .addColumn('big', t.bigint, (c) => c.notNull())
      .addColumn('ratio', t.double, (c) => c.notNull())
      .execute();
    const rows: ScratchTable[] = [
      { id: 'a', flag: true, doc: { a: [1, 2] }, at: '2026-01-01T00:00:00.000Z', big: 2 ** 40, ratio: 97.6 },
      { id: 'b', flag: false, doc: [true, false], at: '2026-02-21T15:30:00.250Z', big: 0, ratio: 0.5 },
      { id: 'c', flag: null, doc: null, at: '2026-12-31T23:59:59.999Z', big: -7, ratio: 100 },
    ];
    await db.insertInto('scratch').values(rows).execute();

    expect(await db.selectFrom('scratch').selectAll().orderBy('id').execute()).toEqual(rows);
    expect(await db.selectFrom('scratch').select('id').where('flag', '=', true).execute()).toEqual([
      { id: 'a' },
    ]);

    const joined = await db
      .selectFrom('scratch as s1')
      .innerJoin('scratch as s2', 's2.id', 's1.id')
      .select(['s1.id', 's2.flag as other_flag', 's2.doc as other_doc'])
      .orderBy('s1.id')
      .execute();
    expect(joined.map((r) => [r.other_flag, r.other_doc])).toEqual(rows.map((r) => [r.flag, r.doc]));

    await db
      .updateTable('scratch')
      .set({ flag: false, doc: { changed: 1 } })
      .where('id', '=', 'a')
      .execute();
    expect(
      await db.selectFrom('scratch').select(['flag', 'doc']).where('id', '=', 'a').executeTakeFirst(),
    ).toEqual({
      flag: false,
      doc: { changed: 1 },
    });

    const { count } = await db
      .selectFrom('scratch')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toBe(3);
  });

  it.runIf(name === 'sqlite')('opens SQLite with WAL, a busy timeout and foreign keys on', async () => {
    const pragma = async (p: string) => (await sql.raw(`pragma ${p}`).execute(database.db)).rows[0];
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
  });

  it('answers ping, and fails it once closed', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
    await database.close();
    await expect(database.ping()).rejects.toThrow();
  });
});

describe.runIf(DATABASE_URL)('PostgreSQL sessions', () => {
  it("keep Switchboard's settings beside the options a DATABASE_URL carries", async () => {
    const url = new URL(DATABASE_URL!);
    url.searchParams.set('options', '-c statement_timeout=4321 -c TimeZone=Asia/Kolkata');
    const database = openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1 });
    try {
      const { rows } = await sql<{ timeout: string; zone: string; jit: string }>`select
        current_setting('statement_timeout') as timeout, current_setting('TimeZone') as zone,
        current_setting('jit') as jit`.execute(database.db);
      expect(rows[0]).toEqual({ timeout: '4321ms', zone: 'UTC', jit: 'off' });
    } finally {
      await database.close();
    }
  });
});

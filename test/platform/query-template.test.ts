import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/platform/db/database.js';
import { QueryTemplate } from '../../src/platform/db/query-template.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

describe.each(dialects)('query templates on $name', ({ name, create }) => {
  let testDb: TestDatabase;
  let database: Database;

  beforeEach(async () => {
    testDb = await create();
    database = openDatabase(testDb.options);
    await database.migrate();
  });
  afterEach(async () => {
    await database.close();
    await testDb.drop();
  });

  it('runs a query compiled once with new slot values each time, constants and JSON included', async () => {
    const db = database.db;
    const now = new Date().toISOString();
    await db
      .insertInto('system_settings')
      .values({ key: 'a', value: { n: 0 }, updated_at: now })
      .execute();
    const update = new QueryTemplate(['key', 'value', 'expected'], (d, slot) =>
      d
        .updateTable('system_settings')
        .set({ value: sql<Record<string, unknown>>`${slot.value}`, updated_at: now })
        .where('key', '=', slot.key)
        .where(sql<string>`cast(${sql.ref('value')} as text)`, 'like', slot.expected),
    );
    const first = await update.execute(db, { key: 'a', value: { n: 1, tags: ['x'] }, expected: '%0%' });
    expect(first.numAffectedRows).toBe(1n);
    // The same template, other values: the condition no longer holds, so nothing changes.
    const second = await update.execute(db, { key: 'a', value: { n: 2 }, expected: '%0%' });
    expect(second.numAffectedRows).toBe(0n);
    const row = await db
      .selectFrom('system_settings')
      .select('value')
      .where('key', '=', 'a')
      .executeTakeFirstOrThrow();
    expect(row.value).toEqual({ n: 1, tags: ['x'] });
  });

  it('refuses a template whose query leaves a slot out', async () => {
    const broken = new QueryTemplate(['key', 'unused'], (d, slot) =>
      d.selectFrom('system_settings').select('key').where('key', '=', slot.key),
    );
    await expect(broken.execute(database.db, { key: 'a', unused: 1 })).rejects.toThrow(/unused/);
  });

  it('is seen by the commit signal as the query it was built from (an insert, after its commit)', async () => {
    const insert = new QueryTemplate(['key'], (d, slot) =>
      d
        .insertInto('system_settings')
        .values({ key: slot.key, value: {}, updated_at: new Date().toISOString() }),
    );
    let signalled = 0;
    database.commits.on('system_settings', () => {
      signalled++;
    });
    await database.db.transaction().execute(async (tx) => {
      await insert.execute(tx, { key: 'a' });
      expect(signalled).toBe(0);
    });
    expect(signalled).toBe(1);
  });

  it.runIf(name === 'postgres')(
    'runs as a prepared statement on PostgreSQL: parsed once per connection',
    async () => {
      const read = new QueryTemplate(['key'], (d, slot) =>
        d.selectFrom('system_settings').select('key').where('key', '=', slot.key),
      );
      // One transaction: the same pooled connection for the template and the look at its statements.
      const prepared = await database.db.transaction().execute(async (tx) => {
        await read.execute(tx, { key: 'a' });
        await read.execute(tx, { key: 'b' });
        const { rows } = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
        select statement, generic_plans, custom_plans from pg_prepared_statements
        where statement like '%from "system_settings" where "key" =%'`.execute(tx);
        return rows;
      });
      expect(prepared).toHaveLength(1);
      expect(Number(prepared[0]!.generic_plans) + Number(prepared[0]!.custom_plans)).toBe(2);
    },
  );
});

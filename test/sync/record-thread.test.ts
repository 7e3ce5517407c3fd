import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyLogCounts, emptyStats } from '../../src/modules/sync/model.js';
import { type BatchWrite, RunLostError, storedRecords } from '../../src/modules/sync/storage/batch-sink.js';
import { RecordGroups } from '../../src/modules/sync/storage/record-groups.js';
import { RecordThread } from '../../src/modules/sync/storage/record-thread.js';
import { SqliteBatchStore } from '../../src/modules/sync/storage/sqlite-batch-store.js';
import { openSqliteConnection } from '../../src/platform/db/sqlite.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { DATABASE_URL } from '../helpers/env.js';
import { seedUser } from '../helpers/identity.js';
import { syncConnectors, syncHarness } from '../helpers/sync.js';

const SMALL_DEMO = { api_token: 'x', users: 5, groups: 1, repositories: 1 };
const OWNER = 'record-thread-test';

// SQLite's batches are stored on the record thread; PostgreSQL's never go there.
describe.skipIf(DATABASE_URL)('sync record thread (SQLite)', () => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  let thread: RecordThread;

  beforeAll(async () => {
    t = await testApp({ connectors: syncConnectors });
    h = syncHarness(t, await seedUser(t));
    const sqlite = t.ctx.database.sqlite;
    if (!sqlite) throw new Error('the test database is not SQLite');
    thread = new RecordThread(sqlite, t.ctx.logger);
  });
  afterAll(async () => {
    await thread.close();
    await t.close();
  });

  /** A run held by OWNER, as the executor holds one it claimed; no worker runs in this app. */
  async function heldRun() {
    const connectionId = await h.connected('demo', SMALL_DEMO);
    const runId = await h.trigger(connectionId);
    const run = await t.ctx.database.db
      .updateTable('sync_runs')
      .set({ status: 'running', lease_owner: OWNER, started_at: new Date().toISOString() })
      .where('id', '=', runId)
      .returning(['org_id'])
      .executeTakeFirstOrThrow();
    return { orgId: run.org_id, connectionId, runId };
  }

  function batch(
    scope: { orgId: string; connectionId: string; runId: string },
    ids: string[],
    cursor: string,
  ): BatchWrite {
    return {
      scope,
      owner: OWNER,
      entity: 'users',
      records: storedRecords(ids.map((id) => ({ id, data: { id, name: `User ${id}` } }))),
      cursor,
      evidence: [],
      logs: [],
      counted: { ...emptyStats() },
      base: { items_synced: 0, items_created: 0, items_updated: 0 },
      log_counts: emptyLogCounts(),
      error_details: null,
      at: new Date().toISOString(),
    };
  }

  const storedIds = async (connectionId: string) =>
    (
      await t.ctx.database.db
        .selectFrom('sync_records')
        .select('external_id')
        .where('connection_id', '=', connectionId)
        .orderBy('external_id')
        .execute()
    ).map((r) => r.external_id);

  const cursorOf = async (connectionId: string) =>
    (
      await t.ctx.database.db
        .selectFrom('sync_cursors')
        .select('cursor')
        .where('connection_id', '=', connectionId)
        .executeTakeFirst()
    )?.cursor;

  it('commits an attempt’s batches in order, counting created, updated and unchanged across them', async () => {
    const scope = await heldRun();
    const sink = thread.open();
    const writes = [
      sink.write(batch(scope, ['a', 'b'], 'page-2')),
      sink.write(batch(scope, ['c'], 'page-3')),
      sink.write({
        ...batch(scope, ['a', 'c'], 'page-4'),
        records: storedRecords([
          { id: 'a', data: { id: 'a', name: 'User a' } },
          { id: 'c', data: { id: 'c', name: 'renamed' } },
        ]),
      }),
    ];
    sink.close();
    expect(await Promise.all(writes)).toEqual([
      { created: 2, updated: 0, unchanged: 0 },
      { created: 1, updated: 0, unchanged: 0 },
      { created: 0, updated: 1, unchanged: 1 },
    ]);
    expect(await storedIds(scope.connectionId)).toEqual(['a', 'b', 'c']);
    expect(await cursorOf(scope.connectionId)).toBe('page-4');
    const run = await t.ctx.database.db
      .selectFrom('sync_runs')
      .select('stats')
      .where('id', '=', scope.runId)
      .executeTakeFirstOrThrow();
    // The thread's running totals: 2 + 1 + 2 synced, 3 created, 1 updated.
    expect(run.stats).toMatchObject({ items_synced: 5, items_created: 3, items_updated: 1 });
  });

  it('fails every write after a failed one, so no cursor is saved past records that were not stored', async () => {
    const scope = await heldRun();
    const sink = thread.open();
    const first = sink.write(batch(scope, ['a'], 'page-2'));
    // No such connection: the records' foreign key fails this batch.
    const failing = sink.write(batch({ ...scope, connectionId: 'no-such-connection' }, ['b'], 'page-3'));
    const after = sink.write(batch(scope, ['c'], 'page-4'));
    sink.close();
    await expect(first).resolves.toEqual({ created: 1, updated: 0, unchanged: 0 });
    await expect(failing).rejects.toThrow(/FOREIGN KEY/);
    await expect(after).rejects.toThrow(/FOREIGN KEY/);
    await expect(sink.write(batch(scope, ['d'], 'page-5'))).rejects.toThrow(/FOREIGN KEY/);
    expect(await storedIds(scope.connectionId)).toEqual(['a']);
    expect(await cursorOf(scope.connectionId)).toBe('page-2');
  });

  it('fails an attempt whose batch cannot be sent to the thread, and stores nothing after it', async () => {
    const scope = await heldRun();
    const sink = thread.open();
    const first = sink.write(batch(scope, ['a'], 'page-2'));
    const unsendable = sink.write({
      ...batch(scope, ['b'], 'page-3'),
      evidence: [{ kind: 'k', summary: 's', data: { check: () => true } }],
    });
    const after = sink.write(batch(scope, ['c'], 'page-4'));
    sink.close();
    const [stored, ...failed] = await Promise.allSettled([first, unsendable, after]);
    expect(stored).toEqual({ status: 'fulfilled', value: { created: 1, updated: 0, unchanged: 0 } });
    for (const result of failed) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/could not be cloned/);
    }
    expect(await storedIds(scope.connectionId)).toEqual(['a']);
    expect(await cursorOf(scope.connectionId)).toBe('page-2');
  });

  it('keeps nothing of a batch whose run is no longer held, and says the run was lost', async () => {
    const scope = await heldRun();
    await t.ctx.database.db
      .updateTable('sync_runs')
      .set({ status: 'cancelled' })
      .where('id', '=', scope.runId)
      .execute();
    const sink = thread.open();
    const lost = sink.write(batch(scope, ['a'], 'page-2'));
    sink.close();
    await expect(lost).rejects.toBeInstanceOf(RunLostError);
    expect(await storedIds(scope.connectionId)).toEqual([]);
    expect(await cursorOf(scope.connectionId)).toBeUndefined();
  });

  it('fails the whole group when a write rolls its transaction back (disk full), keeping no other attempt’s later batch', async () => {
    const [a, b] = [await heldRun(), await heldRun()];
    const sqlite = t.ctx.database.sqlite!;
    // The thread's own storing, on a connection whose file may not grow by more than a few pages.
    const db = openSqliteConnection(sqlite.file);
    try {
      const groups = new RecordGroups(db, new SqliteBatchStore(db), sqlite.writeLock);
      db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 8}`);
      // Into sync_evidence: on SQLite a full disk while triggers run (sync_records' search index)
      // rolls back only the statement; on a table without triggers it rolls back the transaction.
      const huge = {
        ...batch(a, [], 'a-1'),
        evidence: [{ kind: 'big', summary: 'big', data: { blob: 'x'.repeat(1_000_000) } }],
      };
      const replies = groups.store([
        { type: 'write', seq: 1, attempt: 'b', batch: batch(b, ['b1'], 'b-1') },
        { type: 'write', seq: 2, attempt: 'a', batch: huge },
        { type: 'write', seq: 3, attempt: 'b', batch: batch(b, ['b2'], 'b-2') },
      ]);
      expect(replies).toEqual([1, 2, 3].map((seq) => expect.objectContaining({ seq, ok: false })));
      expect(replies[1]).toMatchObject({ lost: false, code: 'SQLITE_FULL' });
    } finally {
      db.close();
    }
    // Had b-2 been committed on its own, the next attempt would resume past b1, never stored.
    expect(await storedIds(b.connectionId)).toEqual([]);
    expect(await cursorOf(b.connectionId)).toBeUndefined();
    expect(await storedIds(a.connectionId)).toEqual([]);
  });

  it('answers writes of other attempts while one attempt has failed', async () => {
    const lost = await heldRun();
    await t.ctx.database.db
      .updateTable('sync_runs')
      .set({ lease_owner: 'someone else' })
      .where('id', '=', lost.runId)
      .execute();
    const held = await heldRun();
    const [a, b] = [thread.open(), thread.open()];
    const results = await Promise.allSettled([
      a.write(batch(lost, ['x'], 'p')),
      b.write(batch(held, ['y'], 'p')),
    ]);
    a.close();
    b.close();
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(await storedIds(held.connectionId)).toEqual(['y']);
    expect(await storedIds(lost.connectionId)).toEqual([]);
  });
});

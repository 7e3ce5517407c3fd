/**
 * Migration 0015 on a database that already holds synced records: they are indexed by it (deleted
 * ones not), the records table keeps its rows and its key, and syncs after it are indexed as they
 * store.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgres } from '../../src/platform/db/database.js';
import type { TestApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { appBefore, connectionBefore } from '../helpers/migrate-before.js';
import { scripted, syncHarness } from '../helpers/sync.js';

const SEARCH_MIGRATION = '0015_record_search';

describe('migration 0015_record_search', () => {
  let t: TestApp;
  let user: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let id: string;

  const found = async (query: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/search',
      headers: user.auth,
      payload: { query, integrations: [id] },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res
      .json()
      .data.results.map((r: { id: string }) => r.id)
      .sort();
  };

  beforeAll(async () => {
    t = await appBefore(SEARCH_MIGRATION, { worker: true, queueBackend: 'in-process' });

    user = await seedUser(t, { role: 'it_admin' });
    h = syncHarness(t, user);
    id = await connectionBefore(t, user.orgId, 'scripted');
    // Stored as a sync stored them then (today's engine writes columns later migrations add); `c`
    // went at the provider: marked deleted.
    const at = t.ctx.clock.now().toISOString();
    const stored = (externalId: string, data: Record<string, unknown>, deleted: boolean) => ({
      connection_id: id,
      entity: 'items',
      external_id: externalId,
      org_id: user.orgId,
      content_hash: externalId,
      data,
      last_seen_run_id: 'a-run-before-0015',
      deleted_at: deleted ? at : null,
      created_at: at,
      updated_at: at,
    });
    await t.ctx.database.db
      .insertInto('sync_records')
      .values([
        stored('a', { title: 'Marmot survey', count: 7 }, false),
        stored('b', { title: 'Marmot census' }, false),
        stored('c', { title: 'Otter census' }, true),
      ])
      .execute();

    expect(await t.ctx.database.pendingMigrations()).toContain(SEARCH_MIGRATION);
    await t.ctx.database.migrate();
  });
  afterAll(() => t.close());

  it('indexes the records stored before it, and not the deleted ones', async () => {
    expect(await found('marmot')).toEqual(['a', 'b']);
    expect(await found('7')).toEqual(['a']);
    expect(await found('otter')).toEqual([]);
    const rows = await h.records(id);
    expect(rows.map((r) => [r.external_id, r.deleted_at === null])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
  });

  it('keeps the records’ key, and indexes what later syncs store', async () => {
    const db = t.ctx.database.db;
    const [row] = await h.records(id);
    const { connection_id, entity, external_id, org_id, content_hash, data, last_seen_run_id } = row!;
    const at = new Date().toISOString();
    await expect(
      db
        .insertInto('sync_records')
        .values({
          ...{ connection_id, entity, external_id, org_id, content_hash, data, last_seen_run_id },
          created_at: at,
          updated_at: at,
        })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    if (!isPostgres(db)) {
      // The rowid FTS5 refers to is the table's INTEGER PRIMARY KEY: VACUUM keeps it.
      const { rows } = await sql<{
        pk: number;
        name: string;
      }>`select pk, name from pragma_table_info('sync_records')
        where pk > 0`.execute(db);
      expect(rows).toEqual([{ pk: 1, name: 'rowid' }]);
    }
    scripted.batches = [{ entity: 'items', records: [{ id: 'd', data: { title: 'Marmot burrow' } }] }];
    await h.settled(id, await h.trigger(id));
    expect(await found('marmot')).toEqual(['a', 'b', 'd']);
    expect(await found('burrow')).toEqual(['d']);
  });
});

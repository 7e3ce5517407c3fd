/**
 * Migration 0017 on a database that already holds finished runs: their items synced, until then
 * only in each run's stats, are what the dashboard and the sync-activity timeline sum after it.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyStats } from '../../src/modules/sync/model.js';
import { insertRun, newRunRow } from '../../src/modules/sync/storage/runs.js';
import type { TestApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { appBefore, connectionBefore } from '../helpers/migrate-before.js';

const ITEMS_MIGRATION = '0017_run_items_synced';
const HOUR_MS = 3_600_000;

describe('migration 0017_run_items_synced', () => {
  let t: TestApp;
  let user: SeededUser;
  let id: string;

  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user.auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  };

  /** A run of the connection that ended an hour ago having synced `items`, as written before 0017. */
  async function finishedRunBefore(items: number, status: 'completed' | 'failed') {
    const db = t.ctx.database.db;
    const connection = await db
      .selectFrom('integration_connections')
      .select(['id', 'org_id', 'config'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const ended = new Date(t.ctx.clock.now().getTime() - HOUR_MS);
    const actor = { type: 'system', id: null, name: null, requestId: null, ip: null } as const;
    const row = newRunRow(
      connection,
      { trigger: 'manual', fullSync: false, actor },
      t.ctx.config.sync,
      ended,
    );
    const runId = await insertRun(db, row);
    const stats = JSON.stringify({ ...emptyStats(), items_synced: items });
    const at = ended.toISOString();
    const json = t.ctx.database.dialect === 'postgres' ? sql`${stats}::jsonb` : sql`${stats}`;
    const instant = t.ctx.database.dialect === 'postgres' ? sql`${at}::timestamptz` : sql`${at}`;
    await sql`update sync_runs set status = ${status}, started_at = ${instant}, completed_at = ${instant},
      stats = ${json} where id = ${runId}`.execute(db);
  }

  beforeAll(async () => {
    t = await appBefore(ITEMS_MIGRATION, { worker: true, queueBackend: 'in-process' });

    user = await seedUser(t, { role: 'it_admin' });
    id = await connectionBefore(t, user.orgId, 'scripted');
    await finishedRunBefore(42, 'completed');
    await finishedRunBefore(5, 'failed');

    expect(await t.ctx.database.pendingMigrations()).toContain(ITEMS_MIGRATION);
    await t.ctx.database.migrate();
  });
  afterAll(() => t.close());

  it('fills in the items synced of the runs that ended before it', async () => {
    const dashboard = await get('/integrations/dashboard');
    expect(dashboard.summary.total_items_synced_24h).toBe(47);
    expect(dashboard.connections).toMatchObject([{ id, items_synced_24h: 47, success_rate_7d: 50 }]);
    const activity = await get(`/integrations/dashboard/sync-activity?connection_id=${id}`);
    expect(activity.totals).toMatchObject({ runs_completed: 1, runs_failed: 1, items_synced: 47 });
  });
});

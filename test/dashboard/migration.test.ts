import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyStats } from '../../src/modules/sync/model.js';
import type { TestApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { appBefore, connectionBefore, runBefore } from '../helpers/migrate-before.js';

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
  const finishedRunBefore = (items: number, status: 'completed' | 'failed') =>
    runBefore(t, id, {
      fullSync: false,
      status,
      ended: new Date(t.ctx.clock.now().getTime() - HOUR_MS),
      stats: { ...emptyStats(), items_synced: items },
    });

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

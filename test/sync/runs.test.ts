import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PagedProvider, startPagedProvider } from '../fakes/paged-provider.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

describe('sync runs through the API (demo connector, in-process worker)', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let provider: PagedProvider;

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      worker: true,
      queueBackend: 'in-process',
      env: SYNC_TEST_ENV,
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
    provider = await startPagedProvider({ total: 250, token: 'tok' });
  });
  afterAll(async () => {
    await provider.close();
    await t.close();
  });

  it('queues a manual sync (202), runs it, stores every record and updates the connection', async () => {
    const id = await h.connected('demo', { api_token: 'x', users: 30, groups: 4, repositories: 6 });
    const res = await h.call('POST', `/integration-connections/${id}/sync`, { full_sync: false });
    expect(res.statusCode).toBe(202);
    const body = res.json().data;
    expect(body).toEqual({
      run_id: expect.any(String),
      connection_id: id,
      trigger: 'manual',
      status: 'pending',
      message: 'Sync queued. Track progress via GET /integration-connections/:id/runs/:run_id',
    });
    const run = await h.settled(id, body.run_id);
    expect(run.status).toBe('completed');
    // users + groups + memberships (two per user) + repositories
    const total = 30 + 4 + 60 + 6;
    expect(run.stats).toMatchObject({
      items_synced: total,
      items_created: total,
      items_updated: 0,
      items_failed: 0,
    });
    expect(run.stats.evidence_collected).toBe(1);
    const definition = await t.ctx.database.db
      .selectFrom('integration_definitions')
      .select('name')
      .where('slug', '=', 'demo')
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      connection_id: id,
      connection_name: (await h.connection(id)).name,
      integration_name: definition.name,
      trigger: 'manual',
      triggered_by: admin.id,
      triggered_by_name: `User ${admin.email}`,
      retry_count: 0,
      max_retries: 3,
    });
    expect(Date.parse(String(run.queued_at))).toBeLessThanOrEqual(Date.parse(String(run.started_at)));
    expect(run.config_snapshot).not.toHaveProperty('api_token');
    expect((run.log_counts as Record<string, number>).info).toBeGreaterThan(0);
    expect(await h.records(id)).toHaveLength(total);
    const connection = await h.connection(id);
    expect(connection).toMatchObject({
      status: 'connected',
      last_sync_status: 'completed',
      total_runs: 1,
      successful_runs: 1,
      failed_runs: 0,
      consecutive_failures: 0,
    });

    // The same data again: synced, nothing created or updated.
    const again = await h.settled(id, await h.trigger(id));
    expect(again.stats).toMatchObject({ items_synced: 0, items_created: 0, items_updated: 0 });
  });

  it('queues a sync on an empty JSON body, as clients that always send the content type do', async () => {
    const id = await h.connected('demo', { api_token: 'x', users: 1, groups: 0, repositories: 0 });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${id}/sync`,
      headers: { ...admin.auth, 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode, res.body).toBe(202);
    const run = await h.settled(id, res.json().data.run_id);
    expect(run).toMatchObject({ status: 'completed', full_sync: false });
  });

  it('refuses a second sync while one is active (409), also at the database', async () => {
    const id = await h.connected('paged-fake', { base_url: provider.url, api_token: 'tok' });
    const held = provider.hold(2);
    const runId = await h.trigger(id);
    await held;
    const second = await h.call('POST', `/integration-connections/${id}/sync`);
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('SYNC_IN_PROGRESS');
    // The constraint, not only the check: a second active row cannot be written at all.
    const template = await t.ctx.database.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    await expect(
      t.ctx.database.db
        .insertInto('sync_runs')
        .values({ ...template, id: `${runId}-dup`, status: 'pending' })
        .execute(),
    ).rejects.toThrow();
    provider.release();
    expect((await h.settled(id, runId)).status).toBe('completed');
  });

  it('gives every log entry an object as details, `{}` for a line written without context', async () => {
    const id = await h.connected('paged-fake', { base_url: provider.url, api_token: 'tok' });
    const held = provider.hold(2);
    const runId = await h.trigger(id);
    await held;
    // The cancel line is written with no details.
    const cancelled = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    await vi.waitFor(() => expect(t.worker?.activeRuns).toBe(0), { timeout: 5000, interval: 5 });
    provider.release();
    const res = await h.call('GET', `/integration-connections/${id}/runs/${runId}/logs?per_page=200`);
    expect(res.statusCode).toBe(200);
    const entries = res.json().data as { message: string; details: unknown }[];
    expect(entries.find((e) => e.message.startsWith('Sync cancelled by'))?.details).toEqual({});
    for (const entry of entries) expect(entry.details).toEqual(expect.any(Object));
  });

  it('answers 422 unless the connection is connected, 404 for unknown runs and connections', async () => {
    const created = await h.call('POST', '/integration-connections', {
      definition_id: await h.definitionId('demo'),
      name: `Not connected ${Date.now()}`,
      config: { api_token: 'x' },
    });
    const id = created.json().data.id;
    const res = await h.call('POST', `/integration-connections/${id}/sync`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('CONNECTION_NOT_CONNECTED');
    expect((await h.call('GET', `/integration-connections/${id}/runs/nope`)).json().error.code).toBe(
      'RUN_NOT_FOUND',
    );
    expect((await h.call('POST', '/integration-connections/nope/sync')).statusCode).toBe(404);
    const bad = await h.call('POST', `/integration-connections/${id}/sync`, { full_sync: 'yes' });
    expect(bad.statusCode).toBe(400);
  });
});

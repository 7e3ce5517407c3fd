/**
 * The dashboard (#23) and the sync-activity timeline (#24) through the API, over runs of known
 * outcomes at known times: one run through the engine, the others placed in the past through the
 * sync module's own storage functions (the engine runs only at the clock's now), and webhook
 * deliveries received through the public receiver as the fake clock moves.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import { CATEGORIES } from '../../src/connectors/sdk.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, scripted, syncHarness } from '../helpers/sync.js';
import { type PlacedRun, placeRun as place } from './place-run.js';

const NOW = '2026-11-22T12:30:00.000Z';

describe('the integration dashboard and its sync activity', () => {
  const clock = new FakeClock('2026-11-22T10:15:00.000Z');
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let other: ReturnType<typeof syncHarness>;
  const ids: Record<'alpha' | 'bravo' | 'charlie' | 'outsider', string> = {
    alpha: '',
    bravo: '',
    charlie: '',
    outsider: '',
  };
  const placed: Record<string, string> = {};

  const placeRun = (connectionId: string, run: PlacedRun) => place(t, connectionId, run);

  /** A webhook on the connection, and a sender of signed deliveries to it (received at the clock's now). */
  async function webhookOf(harness: ReturnType<typeof syncHarness>, connectionId: string) {
    const res = await harness.call('POST', `/integration-connections/${connectionId}/webhooks`, {
      name: `Hook ${connectionId}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id, webhook_secret } = res.json().data as { id: string; webhook_secret: string };
    let n = 0;
    return async (count: number) => {
      for (let i = 0; i < count; i++) {
        const body = JSON.stringify({ n: ++n });
        const sent = await t.app.inject({
          method: 'POST',
          url: `/api/v1/webhooks/receive/${id}`,
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `${id}-${n}`,
            'x-webhook-signature': `sha256=${createHmac('sha256', webhook_secret).update(body).digest('hex')}`,
          },
          payload: body,
        });
        expect(sent.statusCode, sent.body).toBe(200);
      }
    };
  }

  beforeAll(async () => {
    t = await testApp({
      connectors: [...connectors, scripted],
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: SYNC_TEST_ENV,
    });
    admin = await seedUser(t, { role: 'compliance_manager' });
    const owner = await seedUser(t, { orgId: admin.orgId, role: 'it_admin' });
    h = syncHarness(t, owner);
    other = syncHarness(t, await seedUser(t, { role: 'it_admin' }));

    ids.alpha = await h.connected('scripted', {}, { name: 'Alpha', sync_interval_mins: 60 });
    ids.bravo = await h.connected(
      'demo',
      { api_token: 'x', users: 1 },
      { name: 'Bravo', sync_interval_mins: 360 },
    );
    ids.charlie = await h.create('scripted', {}, { name: 'Charlie' });
    ids.outsider = await other.connected('scripted', {}, { name: 'Outsider' });

    // Webhook deliveries: 1 at 10:15, 2 at 11:40, 1 at 12:30; the other org's 3 at 11:40.
    const alphaHook = await webhookOf(h, ids.alpha);
    const outsiderHook = await webhookOf(other, ids.outsider);
    await alphaHook(1);
    clock.advance(85 * 60_000); // 11:40
    await alphaHook(2);
    await outsiderHook(3);
    clock.advance(50 * 60_000); // 12:30
    expect(clock.now().toISOString()).toBe(NOW);

    // Through the engine, now: Alpha completes with 3 items.
    scripted.batches = [
      {
        entity: 'items',
        records: [
          { id: 'a', data: { n: 1 } },
          { id: 'b', data: { n: 2 } },
          { id: 'c', data: { n: 3 } },
        ],
      },
    ];
    placed.engine = (await h.settled(ids.alpha, await h.trigger(ids.alpha))).id;
    await alphaHook(1);

    // Alpha's earlier runs.
    placed.a1 = await placeRun(ids.alpha, {
      status: 'completed',
      started: '2026-11-22T11:10:00.000Z',
      ended: '2026-11-22T11:20:00.000Z',
      items: 5,
    });
    placed.a2 = await placeRun(ids.alpha, {
      status: 'failed',
      started: '2026-11-22T10:50:00.000Z',
      ended: '2026-11-22T11:05:00.000Z',
      items: 2,
      error: 'Provider refused: boom',
    });
    placed.a3 = await placeRun(ids.alpha, {
      status: 'partial',
      started: '2026-11-20T12:00:00.000Z',
      ended: '2026-11-20T12:10:00.000Z',
      items: 7,
    });
    placed.a4 = await placeRun(ids.alpha, {
      status: 'cancelled',
      started: '2026-11-22T12:05:00.000Z',
      ended: '2026-11-22T12:06:00.000Z',
      items: 0,
    });
    // Bravo: a failure 9 days ago (outside every window), a success 3 days ago, a failure 24.5 h ago.
    placed.b1 = await placeRun(ids.bravo, {
      status: 'failed',
      started: '2026-11-13T12:00:00.000Z',
      ended: '2026-11-13T12:01:00.000Z',
      items: 0,
      error: 'old',
    });
    placed.b2 = await placeRun(ids.bravo, {
      status: 'completed',
      started: '2026-11-19T12:00:00.000Z',
      ended: '2026-11-19T12:20:00.000Z',
      items: 40,
    });
    placed.b3 = await placeRun(ids.bravo, {
      status: 'failed',
      started: '2026-11-21T11:50:00.000Z',
      ended: '2026-11-21T12:00:00.000Z',
      items: 1,
      error: 'yesterday',
    });
    // The other org: a failure and a success in the last hours, never to be seen.
    await placeRun(ids.outsider, {
      status: 'failed',
      started: '2026-11-22T11:00:00.000Z',
      ended: '2026-11-22T11:01:00.000Z',
      items: 9,
      error: 'not yours',
    });
    await placeRun(ids.outsider, {
      status: 'completed',
      started: '2026-11-22T12:00:00.000Z',
      ended: '2026-11-22T12:01:00.000Z',
      items: 99,
    });
  });
  afterAll(() => t.close());

  const get = (url: string, as: SeededUser = admin) =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: as.auth });

  async function catalogCount(category: string): Promise<number> {
    const res = await h.call('GET', `/integrations?category=${category}&per_page=1`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().pagination.total as number;
  }

  it('answers every field of the dashboard from the runs, webhooks and connections of the org alone', async () => {
    const res = await get('/integrations/dashboard');
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    const demo = connectors.find((c) => c.definition.slug === 'demo')!.definition;

    expect(data.summary).toEqual({
      total_connections: 3,
      connected: 2, // Alpha and Bravo; Charlie was never enabled
      healthy: 2,
      degraded: 0,
      unhealthy: 0,
      disabled: 0,
      // Started since yesterday 12:30: a2 10:50, a1 11:10, a4 12:05, the engine's 12:30.
      total_runs_24h: 4,
      successful_runs_24h: 2, // a1 and the engine's; a4 was cancelled
      failed_runs_24h: 1, // a2 (b3 ended 24.5 h ago)
      success_rate_24h: 66.7,
      total_items_synced_24h: 3 + 5 + 2 + 0,
      total_webhooks_received_24h: 4,
    });

    const alpha = await h.connection(ids.alpha);
    expect(alpha.last_sync_status).toBe('completed');
    expect(data.connections).toEqual([
      {
        id: ids.alpha,
        name: 'Alpha',
        integration_name: 'Scripted',
        integration_icon_url: 'https://example.com/icon.svg',
        category: 'custom',
        status: 'connected',
        health: 'healthy',
        last_sync_at: NOW,
        last_sync_status: 'completed',
        next_sync_at: alpha.next_sync_at,
        success_rate_7d: 75, // engine, a1, a3 of engine, a1, a2, a3 (a4 cancelled counts nowhere)
        items_synced_24h: 10,
      },
      {
        id: ids.bravo,
        name: 'Bravo',
        integration_name: demo.name,
        integration_icon_url: demo.iconUrl,
        category: demo.category,
        status: 'connected',
        health: 'healthy',
        last_sync_at: null,
        last_sync_status: null,
        next_sync_at: (await h.connection(ids.bravo)).next_sync_at,
        success_rate_7d: 50, // b2 of b2, b3
        items_synced_24h: 0,
      },
      {
        id: ids.charlie,
        name: 'Charlie',
        integration_name: 'Scripted',
        integration_icon_url: 'https://example.com/icon.svg',
        category: 'custom',
        status: 'pending_setup',
        health: 'unknown',
        last_sync_at: null,
        last_sync_status: null,
        next_sync_at: null,
        success_rate_7d: null, // no run finished: null, not 0
        items_synced_24h: 0,
      },
    ]);
    expect(alpha.next_sync_at).not.toBeNull();

    expect(data.recent_failures).toEqual([
      {
        run_id: placed.a2,
        connection_name: 'Alpha',
        integration_name: 'Scripted',
        status: 'failed',
        error_message: 'Provider refused: boom',
        failed_at: '2026-11-22T11:05:00.000Z',
      },
    ]);

    // Alpha succeeded now (interval 60); Bravo last succeeded 3 days ago, beyond twice 360 minutes.
    // Charlie is not meant to sync yet: neither fresh nor stale.
    expect(data.data_freshness).toEqual({
      fresh: 1,
      stale: 1,
      stale_connections: [
        {
          connection_id: ids.bravo,
          connection_name: 'Bravo',
          integration_name: demo.name,
          last_sync_at: null,
          expected_interval_mins: 360,
        },
      ],
    });

    const expectedCoverage: Record<string, { available: number; connected: number }> = {};
    for (const category of CATEGORIES) {
      const connected = (category === 'custom' ? 1 : 0) + (category === demo.category ? 1 : 0);
      expectedCoverage[category] = { available: await catalogCount(category), connected };
    }
    expect(data.category_coverage).toEqual(expectedCoverage);
    expect(data.category_coverage.custom.available).toBeGreaterThanOrEqual(2); // custom_http and scripted
  });

  it('reads null rates and zeros where nothing happened in the window', async () => {
    const empty = await seedUser(t, { role: 'security_engineer' });
    const res = await get('/integrations/dashboard', empty);
    expect(res.statusCode, res.body).toBe(200);
    const { summary, connections: list, recent_failures, data_freshness } = res.json().data;
    expect(summary).toEqual({
      total_connections: 0,
      connected: 0,
      healthy: 0,
      degraded: 0,
      unhealthy: 0,
      disabled: 0,
      total_runs_24h: 0,
      successful_runs_24h: 0,
      failed_runs_24h: 0,
      success_rate_24h: null,
      total_items_synced_24h: 0,
      total_webhooks_received_24h: 0,
    });
    expect([list, recent_failures, data_freshness]).toEqual([
      [],
      [],
      { fresh: 0, stale: 0, stale_connections: [] },
    ]);
  });

  it('gives the org one bucket per hour, newest first, empty hours included, and their totals', async () => {
    const res = await get('/integrations/dashboard/sync-activity?hours=4');
    expect(res.statusCode, res.body).toBe(200);
    const zero = {
      runs_started: 0,
      runs_completed: 0,
      runs_failed: 0,
      items_synced: 0,
      webhooks_received: 0,
    };
    expect(res.json().data).toEqual({
      timeline: [
        // 12:xx: a4 started (cancelled at 12:06), the engine's run started and completed, 1 webhook.
        {
          ...zero,
          hour: '2026-11-22T12:00:00.000Z',
          runs_started: 2,
          runs_completed: 1,
          items_synced: 3,
          webhooks_received: 1,
        },
        // 11:xx: a1 started and completed (5), a2 failed (2), 2 webhooks.
        {
          ...zero,
          hour: '2026-11-22T11:00:00.000Z',
          runs_started: 1,
          runs_completed: 1,
          runs_failed: 1,
          items_synced: 7,
          webhooks_received: 2,
        },
        // 10:xx: a2 started, 1 webhook.
        { ...zero, hour: '2026-11-22T10:00:00.000Z', runs_started: 1, webhooks_received: 1 },
        { ...zero, hour: '2026-11-22T09:00:00.000Z' },
      ],
      totals: { runs_started: 4, runs_completed: 2, runs_failed: 1, items_synced: 10, webhooks_received: 4 },
    });
  });

  it('covers 24 hours by default and up to 168, of one connection when asked', async () => {
    const day = (await get('/integrations/dashboard/sync-activity')).json().data;
    expect(day.timeline).toHaveLength(24);
    expect(day.timeline[23].hour).toBe('2026-11-21T13:00:00.000Z');
    // b3 ended at 12:00 yesterday, before the first bucket.
    expect(day.totals).toEqual({
      runs_started: 4,
      runs_completed: 2,
      runs_failed: 1,
      items_synced: 10,
      webhooks_received: 4,
    });

    const week = (
      await get(`/integrations/dashboard/sync-activity?hours=168&connection_id=${ids.bravo}`)
    ).json().data;
    expect(week.timeline).toHaveLength(168);
    expect(week.timeline[167].hour).toBe('2026-11-15T13:00:00.000Z');
    expect(week.totals).toEqual({
      runs_started: 2,
      runs_completed: 1,
      runs_failed: 1,
      items_synced: 41,
      webhooks_received: 0,
    });
    const busy = week.timeline.filter(
      (b: { runs_started: number; runs_completed: number; runs_failed: number }) =>
        b.runs_started + b.runs_completed + b.runs_failed > 0,
    );
    expect(busy.map((b: { hour: string }) => b.hour)).toEqual([
      '2026-11-21T12:00:00.000Z',
      '2026-11-21T11:00:00.000Z',
      '2026-11-19T12:00:00.000Z',
    ]);
  });

  it('refuses more than 168 hours, and another org’s connection as missing', async () => {
    const tooMany = await get('/integrations/dashboard/sync-activity?hours=169');
    expect(tooMany.statusCode, tooMany.body).toBe(400);
    const foreign = await get(`/integrations/dashboard/sync-activity?connection_id=${ids.outsider}`);
    expect(foreign.statusCode, foreign.body).toBe(404);
  });

  it('refuses auditors and vendor managers', async () => {
    for (const role of ['auditor', 'vendor_manager'] as const) {
      const user = await seedUser(t, { orgId: admin.orgId, role });
      for (const url of ['/integrations/dashboard', '/integrations/dashboard/sync-activity']) {
        const res = await get(url, user);
        expect([role, url, res.statusCode]).toEqual([role, url, 403]);
      }
    }
  });

  it('is answered by its own route, not as the catalog entry `dashboard`', async () => {
    const res = await get('/integrations/dashboard');
    expect(res.json().data).toHaveProperty('summary');
    // The catalog's parametric route still answers other ids, registered in another scope.
    const entry = await get('/integrations/demo');
    expect(entry.statusCode, entry.body).toBe(200);
    expect(entry.json().data.slug).toBe('demo');
  });
});

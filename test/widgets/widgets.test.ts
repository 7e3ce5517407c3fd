/**
 * A connection's widgets through the API: a demo connection taken through failed and passing tests,
 * a refused and an accepted connect, two syncs through the engine (the second deleting records) and
 * a disconnect, at known times on a fake clock; then its status, its activity in each time range
 * and its stored records filtered, projected and limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, scripted, syncHarness } from '../helpers/sync.js';

const A = '2026-11-01T00:00:00.000Z'; // a failed test
const B = '2026-11-10T00:00:00.000Z'; // a refused connect
const C = '2026-11-18T00:00:00.000Z'; // an accepted connect, then a sync a minute later
const E = '2026-11-21T00:00:00.000Z'; // a full sync deleting two users
const F = '2026-11-21T11:30:00.000Z'; // a disconnect
const NOW = '2026-11-21T12:00:00.000Z';

type Json = Record<string, unknown>;

describe('connection widgets', () => {
  const clock = new FakeClock(A);
  let t: TestApp;
  let viewer: SeededUser;
  let owner: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let demo: string;
  let items: string;
  let foreign: string;
  const seen: Record<'refused' | 'synced', Json> = { refused: {}, synced: {} };
  const run: Record<'first' | 'second', string> = { first: '', second: '' };
  const audit = {
    failedTest: '',
    refusedTest: '',
    refusedConnect: '',
    test: '',
    connect: '',
    disconnect: '',
  };
  let refusal = '';

  const get = (url: string, as: SeededUser = viewer) =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: as.auth });
  const widget = async (path: string, as?: SeededUser) => {
    const res = await get(`/integration-connections/${demo}/widgets/${path}`, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  };
  /** Moves the clock to `iso`, and signs the users in again (access tokens live a day at most). */
  async function at(iso: string) {
    clock.advance(Date.parse(iso) - clock.now().getTime());
    for (const user of [owner, viewer]) {
      const { access_token } = await t.app.services.sessions.start(user.id, user.orgId);
      user.auth = { authorization: `Bearer ${access_token}` };
    }
  }
  /** The id of the connection's latest audit entry of `action`. */
  const latestAudit = async (action: string) =>
    (
      await t.ctx.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('target_id', '=', demo)
        .where('action', '=', action)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
    ).id;

  beforeAll(async () => {
    t = await testApp({
      connectors: [...connectors, scripted],
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: SYNC_TEST_ENV,
    });
    owner = await seedUser(t, { role: 'it_admin' });
    viewer = await seedUser(t, { orgId: owner.orgId, role: 'compliance_manager' });
    h = syncHarness(t, owner);
    foreign = await syncHarness(t, await seedUser(t, { role: 'it_admin' })).create('scripted', {});

    demo = await h.create('demo', { api_token: 'x', users: 6, groups: 1, repositories: 2, fail_auth: true });
    expect((await h.call('POST', `/integration-connections/${demo}/test`)).json().data.test_result).toBe(
      'failed',
    );
    audit.failedTest = await latestAudit('connection.tested');

    await at(B);
    const refused = await h.call('POST', `/integration-connections/${demo}/connect/api-key`, {
      api_key: 'y',
    });
    expect(refused.statusCode, refused.body).toBe(200);
    refusal = refused.json().data.validation_error;
    audit.refusedTest = await latestAudit('connection.tested');
    audit.refusedConnect = await latestAudit('connection.credentials_validated');
    seen.refused = await widget('status');
    const unfail = await h.call('PUT', `/integration-connections/${demo}`, { config: { fail_auth: false } });
    expect(unfail.statusCode, unfail.body).toBe(200);

    await at(C);
    const accepted = await h.call('POST', `/integration-connections/${demo}/connect/api-key`, {
      api_key: 'z',
    });
    expect(accepted.json().data.status, accepted.body).toBe('active');
    audit.test = await latestAudit('connection.tested');
    audit.connect = await latestAudit('connection.credentials_validated');
    expect((await h.call('POST', `/integration-connections/${demo}/enable`)).statusCode).toBe(200);
    clock.advance(60_000);
    run.first = (await h.settled(demo, await h.trigger(demo))).id;
    seen.synced = await widget('status');

    await at(E);
    const fewer = await h.call('PUT', `/integration-connections/${demo}`, { config: { users: 4 } });
    expect(fewer.statusCode, fewer.body).toBe(200);
    const second = await h.settled(demo, await h.trigger(demo, { full_sync: true }));
    expect(second.status).toBe('completed');
    expect(second.stats.items_deleted).toBeGreaterThanOrEqual(2);
    run.second = second.id;

    await at(F);
    const gone = await h.call('POST', `/integration-connections/${demo}/disconnect`);
    expect(gone.statusCode, gone.body).toBe(200);
    audit.disconnect = await latestAudit('connection.disconnected');

    // Values of every JSON type under one field, for typed equality.
    items = await h.connected('scripted', {});
    scripted.batches = [
      {
        entity: 'items',
        records: [
          { id: 'a', data: { id: 'a', n: 1 } },
          { id: 'b', data: { id: 'b', n: '1' } },
          { id: 'c', data: { id: 'c', n: 1.5 } },
          { id: 'd', data: { id: 'd', n: null } },
          { id: 'e', data: { id: 'e' } },
          { id: 'f', data: { id: 'f', n: true } },
          { id: 'g', data: { id: 'g', n: 'true', tag: 'x' } },
        ],
      },
    ];
    await h.settled(items, await h.trigger(items));
    await at(NOW);
  });
  afterAll(() => t.close());

  it('answers the status widget with every field, as the connection stood at each step', async () => {
    // After the refused connect: the failed test put it in error, the credential refused, its message.
    expect(seen.refused).toEqual({
      connection_id: demo,
      name: expect.any(String),
      status: 'error',
      connection_status: 'error',
      last_connected_at: null,
      last_sync_at: null,
      error: refusal,
    });
    expect(refusal).toMatch(/./);
    expect(seen.synced).toEqual({
      connection_id: demo,
      name: seen.refused.name,
      status: 'connected',
      connection_status: 'active',
      last_connected_at: C,
      last_sync_at: '2026-11-18T00:01:00.000Z',
      error: null,
    });
    // Disconnected: back to setup, the credential revoked, the last sync kept.
    expect(await widget('status')).toEqual({
      connection_id: demo,
      name: seen.refused.name,
      status: 'pending',
      connection_status: 'revoked',
      last_connected_at: null,
      last_sync_at: E,
      error: null,
    });
  });

  it('lists syncs, tests, connects and disconnects of each time range, newest first, with their totals', async () => {
    const disconnect = {
      id: audit.disconnect,
      type: 'disconnect',
      status: 'success',
      timestamp: F,
      details: { action: 'connection.disconnected', actor_type: 'user', actor_name: expect.any(String) },
    };
    const sync = (id: string, timestamp: string, items: number) => ({
      id,
      type: 'sync',
      status: 'success',
      timestamp,
      details: {
        run_status: 'completed',
        trigger: 'manual',
        completed_at: timestamp,
        duration_ms: 0,
        items_synced: items,
        error_message: null,
      },
    });
    const audited = (id: string, type: string, status: string, timestamp: string, action: string) => ({
      id,
      type,
      status,
      timestamp,
      details: { action, actor_type: 'user', actor_name: expect.any(String) },
    });
    const firstRun = await h.run(demo, run.first);
    const secondRun = await h.run(demo, run.second);
    const week = [
      disconnect,
      sync(run.second, E, secondRun.stats.items_synced),
      sync(run.first, '2026-11-18T00:01:00.000Z', firstRun.stats.items_synced),
      // The connect flow tests the credential, then records the connect: the connect is newer.
      audited(audit.connect, 'connect', 'success', C, 'connection.credentials_validated'),
      audited(audit.test, 'test', 'success', C, 'connection.tested'),
    ];
    const month = [
      ...week,
      audited(audit.refusedConnect, 'connect', 'failed', B, 'connection.credentials_validated'),
      audited(audit.refusedTest, 'test', 'failed', B, 'connection.tested'),
      audited(audit.failedTest, 'test', 'failed', A, 'connection.tested'),
    ];
    expect(await widget('activity?time_range=1h')).toEqual({ activities: [disconnect], total: 1 });
    expect(await widget('activity?time_range=24h')).toEqual({ activities: week.slice(0, 2), total: 2 });
    expect(await widget('activity')).toEqual(await widget('activity?time_range=24h'));
    expect(await widget('activity?time_range=7d')).toEqual({ activities: week, total: 5 });
    expect(await widget('activity?time_range=30d')).toEqual({ activities: month, total: 8 });
    expect(await widget('activity?time_range=30d&limit=3')).toEqual({
      activities: month.slice(0, 3),
      total: 8,
    });
    expect(firstRun.stats.items_synced).toBeGreaterThan(0);
  });

  it('reports a sync still running as running', async () => {
    const stuck = await h.call('POST', `/integration-connections/${items}/sync`, {});
    expect(stuck.statusCode, stuck.body).toBe(202);
    const runId = stuck.json().data.run_id as string;
    // Read at once: whether pending or already running, the widget says running until it ends. The
    // run goes on meanwhile, so what the widget may say follows from the run's state on both sides.
    const active = (status: string) => ['pending', 'running'].includes(status);
    const before = await h.run(items, runId);
    const res = await get(`/integration-connections/${items}/widgets/activity?time_range=1h&limit=1`);
    const [latest] = res.json().data.activities;
    const after = await h.run(items, runId);
    expect(latest.id).toBe(runId);
    if (active(after.status)) expect(latest.status).toBe('running');
    else if (!active(before.status)) expect(latest.status).toBe('success');
    else expect(['running', 'success']).toContain(latest.status);
    await h.settled(items, runId);
  });

  it('reads the stored records of an entity, deleted ones left out, limited and projected', async () => {
    const stored = (await h.records(demo)).filter((r) => r.entity === 'users');
    const live = stored.filter((r) => r.deleted_at === null).map((r) => r.data);
    expect(stored.length - live.length).toBe(2);
    expect(live).toHaveLength(4);

    const all = await widget('data?entity=users');
    expect(all).toEqual({ data: live, total: 4, entity: 'users', fetched_at: NOW });
    expect(await widget('data?entity=users&limit=2')).toEqual({ ...all, data: live.slice(0, 2) });

    const pick = (fields: string[]) => live.map((r) => Object.fromEntries(fields.map((f) => [f, r[f]])));
    expect((await widget('data?entity=users&fields=id,email')).data).toEqual(pick(['id', 'email']));
    expect((await widget('data?entity=users&fields=id&fields=department')).data).toEqual(
      pick(['id', 'department']),
    );
    // A field no record has is left out, not invented.
    expect((await widget('data?entity=users&fields=id,nope')).data).toEqual(pick(['id']));
    expect(await widget('data?entity=nothing')).toEqual({
      data: [],
      total: 0,
      entity: 'nothing',
      fetched_at: NOW,
    });
  });

  it('filters on top-level fields with JSON equality', async () => {
    const live = (await h.records(demo))
      .filter((r) => r.entity === 'users' && r.deleted_at === null)
      .map((r) => r.data);
    const filtered = async (filters: Json) =>
      widget(`data?entity=users&limit=100&filters=${encodeURIComponent(JSON.stringify(filters))}`);
    const first = live[0]!;
    const expected = (filters: Json) =>
      live.filter((r) => Object.entries(filters).every(([k, v]) => r[k] === v));
    for (const filters of [
      { department: first.department },
      { is_admin: first.is_admin, status: first.status },
      { id: first.id, mfa_enabled: !first.mfa_enabled },
      { email: live[1]!.email },
    ]) {
      const want = expected(filters);
      expect(await filtered(filters)).toEqual({
        data: want,
        total: want.length,
        entity: 'users',
        fetched_at: NOW,
      });
    }
    expect((await filtered({ id: first.id })).total).toBe(1);
    // A boolean is not its text.
    expect((await filtered({ is_admin: String(first.is_admin) })).total).toBe(0);

    const ids = async (filters: Json) =>
      (
        await get(
          `/integration-connections/${items}/widgets/data?entity=items&fields=id&filters=${encodeURIComponent(JSON.stringify(filters))}`,
        )
      )
        .json()
        .data.data.map((r: { id: string }) => r.id);
    expect(await ids({ n: 1 })).toEqual(['a']);
    expect(await ids({ n: '1' })).toEqual(['b']);
    expect(await ids({ n: 1.5 })).toEqual(['c']);
    expect(await ids({ n: null })).toEqual(['d']);
    expect(await ids({ n: true })).toEqual(['f']);
    expect(await ids({ n: 'true', tag: 'x' })).toEqual(['g']);
    expect(await ids({ n: 'true', tag: 'y' })).toEqual([]);
    expect(await ids({})).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('refuses bad parameters with 400 naming them', async () => {
    const base = `/integration-connections/${demo}/widgets`;
    for (const [url, field] of [
      [`${base}/activity?time_range=2h`, 'time_range'],
      [`${base}/activity?limit=0`, 'limit'],
      [`${base}/activity?limit=101`, 'limit'],
      [`${base}/data`, 'entity'],
      [`${base}/data?entity=users&limit=abc`, 'limit'],
      [`${base}/data?entity=users&filters=${encodeURIComponent('{"a":')}`, 'filters'],
      [`${base}/data?entity=users&filters=${encodeURIComponent('[1]')}`, 'filters'],
      [`${base}/data?entity=users&filters=${encodeURIComponent('"text"')}`, 'filters'],
      [`${base}/data?entity=users&filters=${encodeURIComponent('{"a":{"b":1}}')}`, 'filters'],
      [`${base}/data?entity=users&filters=${encodeURIComponent('{"a":[1]}')}`, 'filters'],
      [`${base}/data?entity=users&fields=id,,email`, 'fields'],
    ] as const) {
      const res = await get(url);
      expect([url, res.statusCode]).toEqual([url, 400]);
      const error = res.json().error;
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
  });

  it('answers another org’s connection as missing, and refuses roles without preview:read', async () => {
    for (const path of ['status', 'activity', 'data?entity=users']) {
      const res = await get(`/integration-connections/${foreign}/widgets/${path}`);
      expect([path, res.statusCode, res.json().error.code]).toEqual([path, 404, 'CONNECTION_NOT_FOUND']);
    }
    for (const role of ['auditor', 'vendor_manager', 'member'] as const) {
      const user = await seedUser(t, { orgId: viewer.orgId, role });
      for (const path of ['status', 'activity', 'data?entity=users']) {
        const res = await get(`/integration-connections/${demo}/widgets/${path}`, user);
        expect([role, path, res.statusCode]).toEqual([role, path, 403]);
      }
    }
  });
});

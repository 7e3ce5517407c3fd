/**
 * The Okta connector end to end through the public API, against the fake Okta org: connect, test
 * with a good and a bad token, sync, incremental re-sync, a 429 and a 5xx survived, cancel mid-sync,
 * and the preview (endpoint #25) equal to the fake's ground truth.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OktaOrgData } from '../fakes/okta/org.js';
import { type FakeOkta, startFakeOkta } from '../fakes/okta/server.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

const ACTIVE = new Set(['ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT']);

describe('okta through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let okta: FakeOkta;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: {
        ...SYNC_TEST_ENV,
        // The fake org listens on loopback.
        SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
        SWITCHBOARD_SYNC_RETRY_BASE_MS: '10000',
        SWITCHBOARD_SYNC_MAX_RETRIES: '2',
      },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  beforeEach(async () => {
    await okta?.close();
    okta = await startFakeOkta({ users: 230, groups: 3, apps: 6 });
  });
  afterAll(async () => {
    await okta.close();
    await t.close();
  });

  const connect = (token = 'okta-token') =>
    h.create('okta', { domain: 'acme.okta.com', api_token: token, base_url: okta.url });
  const connected = () =>
    h.connected('okta', { domain: 'acme.okta.com', api_token: 'okta-token', base_url: okta.url });
  const entityCounts = (id: string) => h.entityCounts(id);

  const listed = (data: OktaOrgData) => data.users.filter((u) => u.status !== 'DEPROVISIONED');

  it('tests a good token: the org, its user count and the reads it may do', async () => {
    const id = await connect();
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({
      test_result: 'success',
      message: `Successfully authenticated with Okta (acme.okta.com). Organization: Acme Corp. Users: ${listed(okta.data).length}.`,
      health: 'healthy',
      details: { permissions_verified: ['users.read', 'apps.read', 'groups.read', 'policies.read'] },
    });
    expect(data.details.provider_response_time_ms).toEqual(expect.any(Number));
    expect(okta.requests.every((r) => r.authorization === 'SSWS okta-token')).toBe(true);
    // The token is a secret: never shown back.
    const shown = await h.call('GET', `/integration-connections/${id}`);
    expect(shown.body).not.toContain('okta-token');
  });

  it('tests a revoked token as the spec’s auth_error with Okta’s summary', async () => {
    const id = await connect('revoked-token');
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.json().data).toMatchObject({
      test_result: 'failed',
      message: 'Authentication failed: Invalid API token. Verify your Okta API token has admin read access.',
      details: { error_type: 'auth_error', http_status: 401, provider_message: 'Invalid token provided' },
      status: 'error',
      health: 'unhealthy',
    });
  });

  it('syncs users with factors, groups, applications and policies; the preview equals the fake’s truth', async () => {
    const id = await connected();
    const before = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(before.statusCode).toBe(422);

    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    const users = listed(okta.data);
    const policies = okta.data.policies.length;
    expect(run.stats).toMatchObject({
      items_synced: users.length + okta.data.groups.length + okta.data.apps.length + policies,
      items_created: users.length + okta.data.groups.length + okta.data.apps.length + policies,
      items_failed: 0,
      evidence_collected: 3,
    });
    expect(await entityCounts(id)).toEqual({
      users: users.length,
      groups: okta.data.groups.length,
      applications: okta.data.apps.length,
      policies,
    });

    const res = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(res.statusCode, res.body).toBe(200);
    const enrolled = users.filter((u) =>
      (okta.data.factors.get(u.id) ?? []).some((f) => f.status === 'ACTIVE'),
    ).length;
    expect(res.json().data).toEqual({
      provider: 'okta',
      preview: {
        users: {
          total: users.length,
          active: users.filter((u) => ACTIVE.has(u.status)).length,
          deprovisioned: 0,
          mfa_enrolled: enrolled,
          mfa_enrolled_pct: Math.round((enrolled / users.length) * 1000) / 10,
        },
        applications: {
          total: okta.data.apps.length,
          active: okta.data.apps.filter((a) => a.status === 'ACTIVE').length,
          inactive: okta.data.apps.filter((a) => a.status === 'INACTIVE').length,
        },
        groups: { total: okta.data.groups.length },
        security_policies: {
          password_policy: 'Minimum 12 chars, complexity required',
          mfa_policy: 'MFA required for all users',
          session_lifetime_mins: 60,
        },
      },
      last_synced_at: expect.any(String),
    });

    // Incremental: only the users changed since, by lastUpdated.
    const changed = users[7]!;
    okta.touchUser(changed.id, { profile: { ...changed.profile, department: 'Security' } });
    const seen = okta.requests.length;
    const next = await h.settled(id, await h.trigger(id));
    expect(next.status).toBe('completed');
    expect(next.stats).toMatchObject({ items_updated: 1, items_created: 0, items_deleted: 0 });
    const listings = okta.requests.slice(seen).filter((r) => r.path.startsWith('/api/v1/users?'));
    expect(listings).toHaveLength(1);
    expect(decodeURIComponent(listings[0]!.path)).toContain('filter=lastUpdated gt "');
    const stored = (await h.records(id)).find((r) => r.external_id === changed.id)!;
    expect(JSON.stringify(stored.data)).toContain('Security');
  });

  it('survives a 429 (waits for X-Rate-Limit-Reset) and retries a 5xx as a new attempt', async () => {
    const id = await connected();
    okta.failNext({ status: 429, path: '/api/v1/apps' });
    const seen = okta.requests.length;
    const first = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(first.status).toBe('completed');
    const apps = okta.requests.slice(seen).filter((r) => r.path.startsWith('/api/v1/apps'));
    expect(apps.map((r) => r.status)).toEqual([429, 200]);

    okta.failNext({ status: 503, path: '/api/v1/groups' });
    const runId = await h.trigger(id, { full_sync: true });
    const waiting = await vi.waitFor(
      async () => {
        const run = await h.run(id, runId);
        if (run.status !== 'pending' || run.retry_count !== 1) throw new Error(`run is ${run.status}`);
        return run;
      },
      { timeout: 10_000, interval: 5 },
    );
    expect(waiting.error_message).toContain('HTTP 503');
    expect(waiting.error_message).not.toContain('oae');
    clock.advance(Date.parse(waiting.next_attempt_at as string) - clock.now().getTime());
    await t.worker?.tick();
    const done = await h.settled(id, runId);
    expect(done.status).toBe('completed');
    expect(await entityCounts(id)).toMatchObject({
      users: listed(okta.data).length,
      groups: okta.data.groups.length,
    });
  });

  it('cancels a sync held mid-way: the request is dropped and the run ends cancelled', async () => {
    const id = await connected();
    const held = okta.hold('/api/v1/groups');
    const seen = okta.requests.length;
    const runId = await h.trigger(id, { full_sync: true });
    await held;
    // The users are stored while the groups' request is held.
    await vi.waitFor(
      async () => expect((await h.run(id, runId)).stats.items_synced).toBe(listed(okta.data).length),
      {
        timeout: 5000,
        interval: 5,
      },
    );
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('cancelled');
    await vi.waitFor(() => expect(okta.abandoned).toEqual([expect.stringMatching(/^\/api\/v1\/groups\?/)]), {
      timeout: 5000,
      interval: 5,
    });
    okta.release();
    expect((await h.run(id, runId)).status).toBe('cancelled');
    // The users listed before the cancel stay; nothing after it was asked for.
    expect(await entityCounts(id)).toEqual({ users: listed(okta.data).length });
    expect(okta.requests.slice(seen).filter((r) => r.path.startsWith('/api/v1/apps'))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/connectors/demo/index.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

/** Endpoint #25: a connection's preview, from what its last completed sync stored. */
describe('GET /integration-connections/:id/preview', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  const config = { api_token: 'x', seed: 7, users: 120, groups: 5, repositories: 40 };

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      worker: true,
      queueBackend: 'in-process',
      env: SYNC_TEST_ENV,
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  afterAll(() => t.close());

  it('is a 422 before the first sync, then the demo’s counts of what the sync stored, with when', async () => {
    const id = await h.connected('demo', config);
    const before = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(before.statusCode, before.body).toBe(422);
    expect(before.json().error.code).toBe('CONNECTION_NOT_SYNCED');

    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status).toBe('completed');
    const res = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(res.statusCode, res.body).toBe(200);

    // The ground truth: the generator's own records.
    const users = [...demoRecords(config, 'users')];
    const repositories = [...demoRecords(config, 'repositories')];
    const count = <T>(items: T[], test: (item: T) => boolean) => items.filter(test).length;
    const mfa = count(users, (u) => u.mfa_enabled);
    expect(res.json().data).toEqual({
      provider: 'demo',
      preview: {
        users: {
          total: 120,
          active: count(users, (u) => u.status === 'active'),
          suspended: count(users, (u) => u.status === 'suspended'),
          deprovisioned: count(users, (u) => u.status === 'deprovisioned'),
          admins: count(users, (u) => u.is_admin),
          mfa_enabled: mfa,
          mfa_enabled_pct: Math.round((mfa / 120) * 1000) / 10,
        },
        groups: { total: 5 },
        repositories: {
          total: 40,
          public: count(repositories, (r) => r.visibility === 'public'),
          internal: count(repositories, (r) => r.visibility === 'internal'),
          private: count(repositories, (r) => r.visibility === 'private'),
          archived: count(repositories, (r) => r.archived),
          with_branch_protection: count(repositories, (r) => r.branch_protection),
        },
      },
      last_synced_at: run.completed_at,
    });
  });

  it('leaves out records a full sync found deleted at the provider', async () => {
    const id = await h.connected('demo', config);
    expect((await h.settled(id, await h.trigger(id, { full_sync: true }))).status).toBe('completed');
    // The provider now has fewer users: the next full sync marks the rest deleted.
    const updated = await h.call('PUT', `/integration-connections/${id}`, { config: { users: 100 } });
    expect(updated.statusCode, updated.body).toBe(200);
    expect((await h.settled(id, await h.trigger(id, { full_sync: true }))).status).toBe('completed');
    const res = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(res.json().data.preview.users.total).toBe(100);
  });

  it("refuses auditors (they reach integration data only through audit evidence) and hides another org's connection", async () => {
    const id = await h.connected('demo', config);
    const auditor = await seedUser(t, { orgId: admin.orgId, role: 'auditor' });
    const refused = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${id}/preview`,
      headers: auditor.auth,
    });
    expect(refused.statusCode).toBe(403);
    const stranger = await seedUser(t);
    const hidden = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${id}/preview`,
      headers: stranger.auth,
    });
    expect(hidden.statusCode).toBe(404);
  });
});

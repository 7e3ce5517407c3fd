import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/connectors/demo/index.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

/** The evidence a connection's syncs collected: listed newest first, filtered, each viewable with its data. */
describe('GET /integration-connections/:id/evidence', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  const config = { api_token: 'x', seed: 3, users: 60, groups: 3, repositories: 5 };

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

  it('lists what each run collected, newest first, and shows an item with its data and content hash', async () => {
    const id = await h.connected('demo', config);
    const empty = await h.call('GET', `/integration-connections/${id}/evidence`);
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toEqual({
      data: [],
      pagination: { page: 1, per_page: 20, total: 0, total_pages: 0 },
    });

    const first = await h.settled(id, await h.trigger(id, { full_sync: true }));
    const second = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect([first.status, second.status]).toEqual(['completed', 'completed']);
    expect(second.stats.evidence_collected).toBe(1);

    const list = await h.call('GET', `/integration-connections/${id}/evidence`);
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json().data;
    expect(items.map((i: { run_id: string }) => i.run_id)).toEqual([second.id, first.id]);
    expect(list.json().pagination.total).toBe(2);

    const users = [...demoRecords(config, 'users')].filter((u) => u.status === 'active');
    const data = { active_users: users.length, with_mfa: users.filter((u) => u.mfa_enabled).length };
    const item = await h.call('GET', `/integration-connections/${id}/evidence/${items[0].id}`);
    expect(item.statusCode, item.body).toBe(200);
    expect(item.json().data).toEqual({
      ...items[0],
      kind: 'mfa_coverage',
      summary: `${data.with_mfa} of ${data.active_users} active users have MFA enabled`,
      data,
      content_hash: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
    });
    // The same state, the same hash: a reviewer sees at a glance that nothing changed.
    expect(items[1].content_hash).toBe(items[0].content_hash);
  });

  it('filters by kind and run, and pages', async () => {
    const id = await h.connected('demo', config);
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    await h.settled(id, await h.trigger(id, { full_sync: true }));
    const byRun = await h.call('GET', `/integration-connections/${id}/evidence?run_id=${run.id}`);
    expect(byRun.json().data.map((i: { run_id: string }) => i.run_id)).toEqual([run.id]);
    const byKind = await h.call('GET', `/integration-connections/${id}/evidence?kind=no_such_kind`);
    expect(byKind.json().pagination.total).toBe(0);
    const paged = await h.call(
      'GET',
      `/integration-connections/${id}/evidence?kind=mfa_coverage&per_page=1&page=2`,
    );
    expect(paged.json().data).toHaveLength(1);
    expect(paged.json().pagination).toEqual({ page: 2, per_page: 1, total: 2, total_pages: 2 });
    const bad = await h.call('GET', `/integration-connections/${id}/evidence?colour=red`);
    expect(bad.statusCode).toBe(400);
  });

  it("hides another org's evidence (404) and refuses auditors", async () => {
    const id = await h.connected('demo', config);
    await h.settled(id, await h.trigger(id, { full_sync: true }));
    const [item] = (await h.call('GET', `/integration-connections/${id}/evidence`)).json().data;
    const stranger = await seedUser(t);
    for (const url of [`/evidence`, `/evidence/${item.id}`]) {
      const hidden = await t.app.inject({
        method: 'GET',
        url: `/api/v1/integration-connections/${id}${url}`,
        headers: stranger.auth,
      });
      expect(hidden.statusCode).toBe(404);
    }
    // Another connection of the same org does not show this one's item.
    const other = await h.connected('demo', config);
    const missing = await h.call('GET', `/integration-connections/${other}/evidence/${item.id}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('EVIDENCE_NOT_FOUND');
    const auditor = await seedUser(t, { orgId: admin.orgId, role: 'auditor' });
    const refused = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${id}/evidence`,
      headers: auditor.auth,
    });
    expect(refused.statusCode).toBe(403);
  });
});

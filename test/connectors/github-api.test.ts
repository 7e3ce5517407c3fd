/**
 * The GitHub connector end to end through the public API, against the fake GitHub: connect, test
 * with a good and a bad token, sync, incremental re-sync, a secondary rate limit and server errors
 * survived, cancel mid-sync, and the preview (endpoint #25) equal to the fake's ground truth.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GitHubConnector } from '../../src/connectors/github/index.js';
import { connectors } from '../../src/connectors/registry.js';
import { fakeRepo, generateOrg, ownerToken } from '../fakes/github/model.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github/server.js';
import { expectedPreview } from '../fakes/github/truth.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

const OWNER = ownerToken();
/** Octokit's own waits (server-error backoff) recorded instead of slept; the engine's are its own. */
const octokitWaits: number[] = [];
const github = new GitHubConnector({
  wait: async (ms, signal) => {
    signal.throwIfAborted();
    octokitWaits.push(ms);
  },
});

describe('github through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let fake: FakeGitHub;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({
      connectors: [...connectors.filter((c) => c.definition.slug !== 'github'), github],
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: {
        ...SYNC_TEST_ENV,
        // The fake GitHub listens on loopback.
        SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
        SWITCHBOARD_PROVIDER_MAX_WAIT_MS: '60000',
        SWITCHBOARD_SYNC_RETRY_BASE_MS: '10000',
        SWITCHBOARD_SYNC_MAX_RETRIES: '2',
      },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  beforeEach(async () => {
    await fake?.close();
    octokitWaits.length = 0;
    fake = await startFakeGitHub({
      org: generateOrg({ repos: 120, members: 110, outsideCollaborators: 5 }),
      tokens: [OWNER],
    });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });

  const connect = (token = OWNER.token) =>
    h.create('github', { token, organization: 'acme-corp', base_url: fake.url });
  const connected = () =>
    h.connected('github', { token: OWNER.token, organization: 'acme-corp', base_url: fake.url });
  const entityCounts = (id: string) => h.entityCounts(id);

  /** Waits for the run to be back in pending after its `retry`-th failed attempt. */
  const retrying = (id: string, runId: string, retry: number) =>
    vi.waitFor(
      async () => {
        const run = await h.run(id, runId);
        if (run.status !== 'pending' || run.retry_count !== retry) throw new Error(`run is ${run.status}`);
        return run;
      },
      { timeout: 10_000, interval: 5 },
    );

  it('tests a good token: the organization, the token’s role and scopes, with the token kept secret', async () => {
    const id = await connect();
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.statusCode, res.body).toBe(200);
    const truth = expectedPreview(fake.org).repositories;
    expect(res.json().data).toMatchObject({
      test_result: 'success',
      message: `Successfully authenticated with GitHub as octo-admin (acme-corp, role: admin). Repositories: ${truth.public} public, ${truth.private} private.`,
      health: 'healthy',
      details: {
        organization: { login: 'acme-corp' },
        role: 'admin',
        permissions_verified: ['read:org', 'repo', 'security_events'],
        missing_scopes: [],
        provider_response_time_ms: expect.any(Number),
      },
    });
    expect(fake.requests.every((r) => r.authorization === `token ${OWNER.token}`)).toBe(true);
    const shown = await h.call('GET', `/integration-connections/${id}`);
    expect(shown.body).not.toContain(OWNER.token);
  });

  it('tests a revoked token as an auth_error with GitHub’s message', async () => {
    const id = await connect('ghp_revoked');
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.json().data).toMatchObject({
      test_result: 'failed',
      details: { error_type: 'auth_error', http_status: 401, provider_message: 'Bad credentials' },
      health: 'unhealthy',
    });
  });

  it('syncs repositories, members, outside collaborators and the organization; the preview equals the truth', async () => {
    const id = await connected();
    const before = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(before.statusCode).toBe(422);
    expect(before.json().error.code).toBe('CONNECTION_NOT_SYNCED');

    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    const total = 120 + 110 + 5 + 1;
    expect(run.stats).toMatchObject({
      items_synced: total,
      items_created: total,
      items_failed: 0,
      evidence_collected: 3,
    });
    expect(await entityCounts(id)).toEqual({
      repositories: 120,
      members: 110,
      outside_collaborators: 5,
      organization: 1,
    });
    const res = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      provider: 'github',
      preview: expectedPreview(fake.org),
      last_synced_at: run.completed_at,
    });

    // Incremental: only what was added since; the organization is read again (its repository
    // count changed).
    fake.org.repos.push(fakeRepo(fake.org, 120));
    fake.org.members.push({ id: 7777, login: 'newcomer', role: 'member', twoFactor: true });
    const next = await h.settled(id, await h.trigger(id));
    expect(next.status, next.error_message ?? '').toBe('completed');
    expect(next.stats).toMatchObject({
      items_synced: 3,
      items_created: 2,
      items_updated: 1,
      items_deleted: 0,
    });
    const after = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(after.json().data.preview).toEqual(expectedPreview(fake.org));
    expect(after.json().data.preview.repositories.total).toBe(121);
  });

  it('requeues a secondary rate limit longer than the wait budget for when GitHub allows, then completes', async () => {
    const id = await connected();
    fake.failNext({ kind: 'secondary', status: 429, retryAfter: 600, path: /\/repos$/ });
    const runId = await h.trigger(id, { full_sync: true });
    const waiting = await retrying(id, runId, 1);
    expect(waiting.error_message).toContain('rate limited, retry in 600 s');
    expect(Date.parse(waiting.next_attempt_at as string) - clock.now().getTime()).toBeGreaterThanOrEqual(
      600_000,
    );
    clock.advance(Date.parse(waiting.next_attempt_at as string) - clock.now().getTime());
    await t.worker?.tick();
    const done = await h.settled(id, runId);
    expect(done.status, done.error_message ?? '').toBe('completed');
    expect(await entityCounts(id)).toMatchObject({ repositories: 120, members: 110 });
  });

  it('retries a server error inside the run, and a persistent one as a new attempt', async () => {
    const id = await connected();
    fake.failNext({ kind: 'status', status: 502, path: /\/members$/ });
    const first = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(first.status).toBe('completed');
    expect(octokitWaits).toEqual([1000]);

    fake.failNext(
      ...[1, 2, 3].map(() => ({ kind: 'status' as const, status: 503, path: /\/outside_collaborators$/ })),
    );
    const runId = await h.trigger(id, { full_sync: true });
    const waiting = await retrying(id, runId, 1);
    expect(waiting.error_message).toContain('HTTP 503');
    clock.advance(Date.parse(waiting.next_attempt_at as string) - clock.now().getTime());
    await t.worker?.tick();
    const done = await h.settled(id, runId);
    expect(done.status, done.error_message ?? '').toBe('completed');
    expect(await entityCounts(id)).toMatchObject({ outside_collaborators: 5, organization: 1 });
  });

  it('cancels a sync held mid-way: the request is dropped and the run ends cancelled', async () => {
    const id = await connected();
    const held = fake.hold(/\/members$/);
    const seen = fake.requests.length;
    const runId = await h.trigger(id, { full_sync: true });
    await held;
    // The repositories are stored while the members' request is held.
    await vi.waitFor(async () => expect((await h.run(id, runId)).stats.items_synced).toBe(120), {
      timeout: 5000,
      interval: 5,
    });
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('cancelled');
    await vi.waitFor(() => expect(fake.abandoned).toEqual(['/orgs/acme-corp/members']), {
      timeout: 5000,
      interval: 5,
    });
    fake.release();
    expect((await h.run(id, runId)).status).toBe('cancelled');
    expect(await entityCounts(id)).toEqual({ repositories: 120 });
    expect(fake.requests.slice(seen).filter((r) => r.path.includes('outside_collaborators'))).toEqual([]);
  });
});

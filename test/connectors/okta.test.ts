/**
 * The Okta connector through the test kit (the context the engine builds), against the fake Okta
 * org of test/fakes/okta: pagination, incremental sync, deprovisioned users, factors, policies,
 * evidence, the preview against the fake's ground truth, errors and rate limits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { oktaErrorInfo } from '../../src/connectors/okta/errors.js';
import { type OktaConfig, oktaConnector, oktaDefinition } from '../../src/connectors/okta/index.js';
import { ProviderError, type StoredRecords, type SyncBatch } from '../../src/connectors/sdk.js';
import { apiBaseUrl } from '../../src/connectors/toolkit/context.js';
import { collectSync, type TestKit, testContext } from '../../src/connectors/toolkit/test-kit.js';
import type { OktaOrgData } from '../fakes/okta/org.js';
import { type FakeOkta, startFakeOkta } from '../fakes/okta/server.js';

const ACTIVE = new Set(['ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT']);

let okta: FakeOkta;

function config(extra: Partial<OktaConfig> = {}): OktaConfig {
  return { domain: 'acme.okta.com', api_token: 'okta-token', base_url: okta.url, ...extra };
}

function kit(extra: Partial<OktaConfig> = {}, options: Parameters<typeof testContext>[2] = {}) {
  return testContext(oktaConnector, config(extra), options);
}

/** Each entity's records as the engine would store them (last write wins by id). */
function stored(batches: SyncBatch[]): Map<string, Map<string, Record<string, unknown>>> {
  const byEntity = new Map<string, Map<string, Record<string, unknown>>>();
  for (const batch of batches) {
    const records = byEntity.get(batch.entity) ?? new Map<string, Record<string, unknown>>();
    for (const record of batch.records) records.set(record.id, record.data);
    byEntity.set(batch.entity, records);
  }
  return byEntity;
}

function storedRecords(batches: SyncBatch[]): StoredRecords {
  const byEntity = stored(batches);
  return {
    async *each(entity: string) {
      const records = [...(byEntity.get(entity)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : 1));
      for (const [, data] of records) yield data;
    },
  };
}

/** The last cursor each entity gave, as the engine saves them. */
function cursors(batches: SyncBatch[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const batch of batches) if (batch.cursor) out[batch.entity] = batch.cursor;
  return out;
}

const userRequests = (k: TestKit<OktaConfig>) =>
  k.requests.filter((r) => /^\/api\/v1\/users(\?|$)/.test(r.path));
const enrolled = (data: OktaOrgData, id: string) =>
  (data.factors.get(id) ?? []).some((f) => f.status === 'ACTIVE');

/** The spec's preview numbers, from the fake's ground truth, for an org synced with `deprovisioned`. */
function truth(data: OktaOrgData, deprovisioned: boolean) {
  const users = data.users.filter((u) => deprovisioned || u.status !== 'DEPROVISIONED');
  const mfa = users.filter((u) => enrolled(data, u.id)).length;
  return {
    users: {
      total: users.length,
      active: users.filter((u) => ACTIVE.has(u.status)).length,
      deprovisioned: users.filter((u) => u.status === 'DEPROVISIONED').length,
      mfa_enrolled: mfa,
      mfa_enrolled_pct: Math.round((mfa / users.length) * 1000) / 10,
    },
    applications: {
      total: data.apps.length,
      active: data.apps.filter((a) => a.status === 'ACTIVE').length,
      inactive: data.apps.filter((a) => a.status === 'INACTIVE').length,
    },
    groups: { total: data.groups.length },
  };
}

beforeEach(async () => {
  okta = await startFakeOkta({ users: 450, groups: 4, apps: 9 });
});
afterEach(async () => {
  await okta.close();
});

describe('okta definition', () => {
  it('calls https://{domain}/ unless base_url overrides it', () => {
    expect(apiBaseUrl(oktaDefinition, { domain: 'acme.okta.com', api_token: 't' }).href).toBe(
      'https://acme.okta.com/',
    );
    expect(
      apiBaseUrl(oktaDefinition, { domain: 'acme.okta.com', base_url: 'https://proxy.example/okta' }).href,
    ).toBe('https://proxy.example/okta/');
  });
});

describe('okta test and health check', () => {
  it('names the org and counts its users across pages, with the SSWS token on every request', async () => {
    const k = kit();
    const outcome = await oktaConnector.test(k.ctx);
    const listed = okta.data.users.filter((u) => u.status !== 'DEPROVISIONED').length;
    expect(outcome).toEqual({
      ok: true,
      message: `Successfully authenticated with Okta (acme.okta.com). Organization: Acme Corp. Users: ${listed}.`,
      details: {
        organization: { id: okta.data.org.id, name: 'Acme Corp', subdomain: 'acme' },
        users_total: listed,
        permissions_verified: ['users.read', 'apps.read', 'groups.read', 'policies.read'],
      },
    });
    expect(userRequests(k)).toHaveLength(3);
    for (const request of k.requests) {
      expect(request.headers.authorization).toBe('SSWS okta-token');
      expect(request.headers.accept).toBe('application/json');
    }
  });

  it('reports a refused token as an auth_error with Okta’s summary only', async () => {
    const outcome = await oktaConnector.test(kit({ api_token: 'revoked' }).ctx);
    expect(outcome).toEqual({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 401,
      providerMessage: 'Invalid token provided',
      message: 'Authentication failed: Invalid API token. Verify your Okta API token has admin read access.',
    });
  });

  it('reports a token that cannot read applications as a permission_error naming them', async () => {
    okta.deny('/api/v1/apps');
    const outcome = await oktaConnector.test(kit().ctx);
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'permission_error',
      httpStatus: 403,
      providerMessage: 'You do not have permission to perform the requested action',
    });
    expect(outcome.ok === false && outcome.message).toMatch(/cannot read applications/);
  });

  it('health-checks with two requests and no count', async () => {
    const k = kit();
    const outcome = await oktaConnector.healthCheck(k.ctx);
    expect(outcome).toMatchObject({
      ok: true,
      message: 'Health check passed. Okta API responding normally.',
    });
    expect(k.requests.map((r) => r.path)).toEqual(['/api/v1/org', '/api/v1/users?limit=1']);
  });

  it('rejects with the abort reason when cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(oktaConnector.test(kit({}, { signal: controller.signal }).ctx)).rejects.toBe(reason);
  });
});

describe('okta sync', () => {
  it('pages through users 200 at a time by the Link header and stores each with its factors', async () => {
    const k = kit();
    const { batches } = await collectSync(oktaConnector, k);
    const users = stored(batches).get('users')!;
    const listed = okta.data.users.filter((u) => u.status !== 'DEPROVISIONED');
    expect([...users.keys()].sort()).toEqual(listed.map((u) => u.id).sort());
    const pages = userRequests(k).map((r) => new URL(r.path, 'http://x').searchParams);
    expect(pages.map((p) => p.get('limit'))).toEqual(['200', '200', '200']);
    expect(pages[0]!.get('after')).toBeNull();
    expect(pages[1]!.get('after')).toBe(listed[199]!.id);
    expect(pages[2]!.get('after')).toBe(listed[399]!.id);
    expect(batches.filter((b) => b.entity === 'users').map((b) => b.records.length)).toEqual([
      200,
      200,
      listed.length - 400,
    ]);
    // Factors as Okta has them, minus their profiles (phone numbers, device names).
    const withTwo = listed.find((u) => (okta.data.factors.get(u.id) ?? []).length === 2)!;
    const factors = users.get(withTwo.id)!.factors;
    expect(factors).toEqual(okta.data.factors.get(withTwo.id)!.map(({ profile: _, ...factor }) => factor));
    // Okta's links and the user's credentials (recovery question) are not kept.
    expect(users.get(withTwo.id)).not.toHaveProperty('_links');
    expect(users.get(withTwo.id)).not.toHaveProperty('credentials');
    expect(users.get(withTwo.id)!.profile).toEqual(withTwo.profile);
    // Each cursor is a path on the org, never a host.
    for (const batch of batches) expect(batch.cursor ?? '').not.toMatch(/127\.0\.0\.1/);
  });

  it('leaves deprovisioned users out unless sync_deprovisioned, then lists them by filter', async () => {
    const deprovisioned = okta.data.users.filter((u) => u.status === 'DEPROVISIONED');
    expect(deprovisioned.length).toBeGreaterThan(0);
    const without = stored((await collectSync(oktaConnector, kit())).batches).get('users')!;
    for (const user of deprovisioned) expect(without.has(user.id)).toBe(false);

    const k = kit({ sync_deprovisioned: true });
    const { batches } = await collectSync(oktaConnector, k);
    const users = stored(batches).get('users')!;
    expect(users.size).toBe(okta.data.users.length);
    for (const user of deprovisioned)
      expect(users.get(user.id)).toMatchObject({ status: 'DEPROVISIONED', factors: [] });
    const filters = userRequests(k).map((r) => new URL(r.path, 'http://x').searchParams.get('filter'));
    expect(filters.at(-1)).toBe('status eq "DEPROVISIONED"');
    // Deactivated users have no factors to ask for.
    const factorRequests = k.requests.filter((r) => r.path.endsWith('/factors'));
    expect(factorRequests).toHaveLength(okta.data.users.length - deprovisioned.length);
  });

  it('syncs incrementally what changed since the last listing began, by lastUpdated', async () => {
    const first = await collectSync(oktaConnector, kit());
    const saved = cursors(first.batches);
    const [a, b, c] = okta.data.users.filter((u) => u.status === 'ACTIVE');
    okta.touchUser(a!.id, { profile: { ...a!.profile, department: 'Security' } });
    okta.touchUser(b!.id);
    okta.touchUser(c!.id, { status: 'DEPROVISIONED' });

    const k = kit();
    const { batches } = await collectSync(oktaConnector, k, { fullSync: false, cursors: saved });
    const users = batches.filter((batch) => batch.entity === 'users');
    expect(users.flatMap((batch) => batch.records.map((r) => r.id)).sort()).toEqual([a!.id, b!.id].sort());
    expect(users.flatMap((batch) => batch.records)[0]?.data).toHaveProperty('factors');
    // The newly deprovisioned user came back from the filter and was skipped, as configured.
    expect(users.reduce((n, batch) => n + (batch.skipped ?? 0), 0)).toBe(1);
    const filter = new URL(userRequests(k)[0]!.path, 'http://x').searchParams.get('filter');
    expect(filter).toMatch(/^lastUpdated gt "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
    expect(userRequests(k)).toHaveLength(1);

    // The next incremental run looks back a few minutes before this one began (clock skew, users
    // changed mid-listing): it lists the same two again, and none of the others.
    const again = await collectSync(oktaConnector, kit(), { fullSync: false, cursors: cursors(batches) });
    const relisted = again.batches
      .filter((batch) => batch.entity === 'users')
      .flatMap((batch) => batch.records);
    expect(relisted.map((r) => r.id).sort()).toEqual([a!.id, b!.id].sort());
  });

  it('keeps a user deprovisioned since the last sync when sync_deprovisioned is set', async () => {
    const first = await collectSync(oktaConnector, kit({ sync_deprovisioned: true }));
    const user = okta.data.users.find((u) => u.status === 'ACTIVE')!;
    okta.touchUser(user.id, { status: 'DEPROVISIONED' });
    const { batches } = await collectSync(oktaConnector, kit({ sync_deprovisioned: true }), {
      fullSync: false,
      cursors: cursors(first.batches),
    });
    expect(stored(batches).get('users')!.get(user.id)).toMatchObject({ status: 'DEPROVISIONED' });
  });

  it('resumes a full sync’s users after the page it stored, and skips entities it finished', async () => {
    const first = await collectSync(oktaConnector, kit());
    const afterPageOne = first.batches.find((batch) => batch.entity === 'users')!.cursor!;
    const k = kit();
    const { batches } = await collectSync(oktaConnector, k, {
      fullSync: true,
      cursors: { users: afterPageOne, groups: 'complete', applications: 'complete', policies: 'complete' },
    });
    expect(batches.map((batch) => batch.entity)).toEqual(['users', 'users']);
    expect(new URL(userRequests(k)[0]!.path, 'http://x').searchParams.get('after')).toBeTruthy();
    // Resumed mid-way, it cannot vouch for every user: no user evidence.
    expect(batches.flatMap((batch) => batch.evidence ?? [])).toEqual([]);

    const done = await collectSync(oktaConnector, kit(), { fullSync: true, cursors: cursors(first.batches) });
    expect(done.batches).toEqual([]);
  });

  it('lists groups, applications and each policy type with its rules', async () => {
    const { batches } = await collectSync(oktaConnector, kit());
    const byEntity = stored(batches);
    expect([...byEntity.get('groups')!.keys()]).toEqual(okta.data.groups.map((g) => g.id));
    expect(byEntity.get('applications')!.get(okta.data.apps[3]!.id)).toMatchObject({
      status: 'INACTIVE',
      label: 'App 3',
    });
    const policies = byEntity.get('policies')!;
    expect(policies.size).toBe(okta.data.policies.length);
    const signOn = okta.data.policies.find((p) => p.type === 'OKTA_SIGN_ON' && p.status === 'ACTIVE')!;
    expect(policies.get(signOn.id)!.rules).toEqual(okta.data.rules.get(signOn.id));
    expect(batches.filter((b) => b.entity === 'policies').map((b) => b.cursor)).toEqual([
      'PASSWORD',
      'MFA_ENROLL',
      'complete',
    ]);
  });

  it('collects MFA enrollment, inactive users and password policy evidence equal to the fake’s', async () => {
    const { batches } = await collectSync(oktaConnector, kit());
    const evidence = Object.fromEntries(batches.flatMap((b) => b.evidence ?? []).map((e) => [e.kind, e]));
    const active = okta.data.users.filter((u) => ACTIVE.has(u.status));
    const mfa = active.filter((u) => enrolled(okta.data, u.id));
    expect(evidence.mfa_enrollment?.data).toMatchObject({
      active_users: active.length,
      mfa_enrolled: mfa.length,
      not_enrolled_count: active.length - mfa.length,
    });
    const cutoff = Date.now() - 90 * 86_400_000;
    const inactive = active.filter((u) => Date.parse(u.lastLogin ?? u.created) < cutoff);
    expect(inactive.length).toBeGreaterThan(0);
    expect(evidence.inactive_users?.data).toMatchObject({
      threshold_days: 90,
      inactive_count: inactive.length,
    });
    expect(evidence.password_policy?.summary).toBe('Minimum 12 chars, complexity required');
    expect(evidence.password_policy?.data.policies).toEqual([
      expect.objectContaining({
        minLength: 12,
        complexity: true,
        maxAgeDays: 90,
        historyCount: 4,
        lockoutAttempts: 10,
      }),
    ]);
  });

  it('stops with the abort reason when cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(collectSync(oktaConnector, kit({}, { signal: controller.signal }))).rejects.toBe(reason);
  });
});

describe('okta preview', () => {
  it('reports the spec’s numbers, equal to the fake’s ground truth', async () => {
    const { batches } = await collectSync(oktaConnector, kit());
    expect(await oktaConnector.preview(storedRecords(batches))).toEqual({
      ...truth(okta.data, false),
      security_policies: {
        password_policy: 'Minimum 12 chars, complexity required',
        mfa_policy: 'MFA required for all users',
        session_lifetime_mins: 60,
      },
    });
  });

  it('counts deprovisioned users when they are synced, and reads weaker policies', async () => {
    await okta.close();
    okta = await startFakeOkta({
      users: 57,
      password: { minLength: 8, complexity: false },
      mfaRequired: false,
      sessionLifetimeMinutes: 720,
    });
    const { batches } = await collectSync(oktaConnector, kit({ sync_deprovisioned: true }));
    const preview = await oktaConnector.preview(storedRecords(batches));
    expect(preview).toEqual({
      ...truth(okta.data, true),
      security_policies: {
        password_policy: 'Minimum 8 chars, complexity not required',
        mfa_policy: 'MFA enrollment optional',
        session_lifetime_mins: 720,
      },
    });
    expect((preview.users as { deprovisioned: number }).deprovisioned).toBeGreaterThan(0);
  });
});

describe('okta errors and rate limits', () => {
  it('paces an announced budget: waits for the reset and never draws a 429', async () => {
    okta.rateLimit = { limit: 7, windowMs: 1000 };
    const k = kit();
    // The fake's clock moves with the waits the test kit takes instead of sleeping.
    okta.now = k.now;
    const { batches } = await collectSync(oktaConnector, k);
    expect(stored(batches).get('users')!.size).toBe(
      okta.data.users.filter((u) => u.status !== 'DEPROVISIONED').length,
    );
    expect(okta.budget429s).toBe(0);
    expect(okta.requests.every((r) => r.status === 200)).toBe(true);
    // Each family's budget was spent many times over, and waited out until its reset.
    expect(k.waits.length).toBeGreaterThan(okta.requests.length / 7 - 6);
    for (const wait of k.waits) expect(wait).toBeLessThanOrEqual(2000);
  });

  it('survives a 429 (E0000047): waits for X-Rate-Limit-Reset and asks again', async () => {
    okta.failNext({ status: 429, path: '/api/v1/groups' });
    const k = kit();
    const { batches } = await collectSync(oktaConnector, k);
    expect(stored(batches).get('groups')!.size).toBe(okta.data.groups.length);
    const groups = okta.requests.filter((r) => r.path.startsWith('/api/v1/groups'));
    expect(groups.map((r) => r.status)).toEqual([429, 200]);
    expect(k.waits).toHaveLength(1);
  });

  it('turns a 5xx into a transient ProviderError carrying Okta’s summary, not its body', async () => {
    okta.failNext({ status: 500, path: '/api/v1/apps' });
    const error = await collectSync(oktaConnector, kit()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      failure: 'transient',
      message: 'Listing Okta applications failed: HTTP 500 E0000009: Internal Server Error',
      details: { httpStatus: 500, providerMessage: 'Internal Server Error' },
    });
    expect(JSON.stringify(error)).not.toMatch(/errorId|oae/);
  });

  it('fails a sync whose token is revoked as an authentication failure', async () => {
    const error = await collectSync(oktaConnector, kit({ api_token: 'revoked' })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      failure: 'authentication',
      details: { httpStatus: 401, providerMessage: 'Invalid token provided' },
    });
  });

  it('fails a sync whose token may not read policies as permanent, naming the listing', async () => {
    okta.deny('/api/v1/policies');
    const error = await collectSync(oktaConnector, kit()).catch((e: unknown) => e);
    expect(error).toMatchObject({
      failure: 'permanent',
      message:
        'Listing Okta PASSWORD policies failed: HTTP 403 E0000006: You do not have permission to perform the requested action',
    });
  });

  it('skips a user deleted between the listing and its factors', async () => {
    okta.failNext({ status: 404, path: `/api/v1/users/${okta.data.users[0]!.id}/factors` });
    const { batches } = await collectSync(oktaConnector, kit());
    expect(stored(batches).get('users')!.has(okta.data.users[0]!.id)).toBe(false);
    expect(batches[0]!.skipped).toBe(1);
  });

  it('reads only the code and summary of an error body, even cut short', () => {
    const body = JSON.stringify({
      errorCode: 'E0000011',
      errorSummary: 'Invalid token provided',
      errorLink: 'E0000011',
      errorId: 'oae123',
      errorCauses: [{ errorSummary: 'x'.repeat(600) }],
    });
    expect(oktaErrorInfo(body.slice(0, 500))).toEqual({
      errorCode: 'E0000011',
      errorSummary: 'Invalid token provided',
    });
    expect(oktaErrorInfo('<html><body>Bad gateway at 10.0.0.7</body></html>')).toEqual({});
    expect(oktaErrorInfo('{"errorCode":"nope","errorSummary":"internal host 10.0.0.7"}')).toEqual({});
  });
});

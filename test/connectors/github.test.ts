/**
 * The GitHub connector through the test kit, against the fake GitHub built from GitHub's REST
 * documentation (test/fakes/github/): every number is checked against the fake's ground truth.
 */
import { RequestError } from '@octokit/request-error';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitRetryMs } from '../../src/connectors/github/errors.js';
import { type GitHubConfig, GitHubConnector } from '../../src/connectors/github/index.js';
import { ProviderError, type StoredRecords, type SyncBatch } from '../../src/connectors/sdk.js';
import { collectSync, type TestKit, testContext } from '../../src/connectors/toolkit/test-kit.js';
import { ProviderUnreachableError } from '../../src/platform/outbound/provider-fetch.js';
import { type FakeOrg, type FakeToken, fakeRepo, generateOrg, ownerToken } from '../fakes/github/model.js';
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from '../fakes/github/server.js';
import {
  expectedPreview,
  openAlertsBySeverity,
  protectionCoverage,
  withoutTwoFactor,
} from '../fakes/github/truth.js';

const OWNER = ownerToken();
const waits: number[] = [];
/** Octokit's own waits (secondary limits, server-error backoff) recorded instead of slept. */
const connector = new GitHubConnector({
  wait: async (ms, signal) => {
    signal.throwIfAborted();
    waits.push(ms);
  },
});

let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  waits.length = 0;
});

async function start(shape: Partial<FakeGitHubOptions> & { org?: FakeOrg } = {}): Promise<FakeGitHub> {
  fake = await startFakeGitHub({
    org: shape.org ?? generateOrg({ repos: 120, members: 105, outsideCollaborators: 7 }),
    tokens: shape.tokens ?? [OWNER],
    ...shape,
  });
  return fake;
}

function kit(
  github: FakeGitHub,
  config: Partial<GitHubConfig> = {},
  options: { maxWaitMs?: number; signal?: AbortSignal } = {},
): TestKit<GitHubConfig> {
  const made = testContext(
    connector,
    { token: OWNER.token, organization: github.org.login, base_url: github.url, ...config },
    options,
  );
  // The fake's windows follow the kit's clock, which moves by the waits the engine would sleep.
  github.now = made.now;
  return made;
}

function records(batches: SyncBatch[], entity: string): Record<string, unknown>[] {
  return batches.filter((b) => b.entity === entity).flatMap((b) => b.records.map((r) => r.data));
}

function evidence(batches: SyncBatch[], kind: string) {
  return batches.flatMap((b) => b.evidence ?? []).find((e) => e.kind === kind);
}

/** The records of a sync as the engine would hand them to a preview. */
function stored(batches: SyncBatch[]): StoredRecords {
  const byEntity = new Map<string, Map<string, Record<string, unknown>>>();
  for (const batch of batches) {
    const entity = byEntity.get(batch.entity) ?? new Map<string, Record<string, unknown>>();
    for (const record of batch.records) entity.set(record.id, record.data);
    byEntity.set(batch.entity, entity);
  }
  return {
    async *each(entity) {
      const found = byEntity.get(entity) ?? new Map();
      for (const id of [...found.keys()].sort()) yield found.get(id);
    },
  };
}

const repoNamed = (batches: SyncBatch[], name: string) =>
  records(batches, 'repositories').find((r) => r.name === name);

describe('GitHub connector: test and health check', () => {
  it('authenticates with the token scheme and reports the organization, role, scopes and counts', async () => {
    const github = await start();
    const k = kit(github);
    const outcome = await connector.test(k.ctx);
    const truth = expectedPreview(github.org).repositories;
    expect(outcome).toMatchObject({
      ok: true,
      details: {
        organization: { login: 'acme-corp', id: github.org.id },
        token_owner: 'octo-admin',
        role: 'admin',
        permissions_verified: ['read:org', 'repo', 'security_events'],
        missing_scopes: [],
        two_factor_requirement_enabled: false,
        counts: { public_repositories: truth.public, private_repositories: truth.private },
      },
    });
    expect(outcome.ok && outcome.details.token_scopes).toEqual(
      expect.arrayContaining(['read:org', 'repo', 'security_events']),
    );
    expect(k.requests.map((r) => r.path)).toEqual([
      '/orgs/acme-corp',
      '/user',
      '/orgs/acme-corp/memberships/octo-admin',
    ]);
    for (const request of k.requests) {
      expect(request.headers.authorization).toBe(`token ${OWNER.token}`);
      expect(request.headers['user-agent']).toMatch(/^Switchboard-GitHub-Connector\/1\.0 octokit-core/);
      expect(request.headers['x-github-api-version']).toBe('2022-11-28');
      expect(request.headers.accept).toBe('application/vnd.github+json');
    }
  });

  it('reports a token GitHub refuses as an auth_error with GitHub’s message', async () => {
    const github = await start();
    const outcome = await connector.test(kit(github, { token: 'ghp_revoked' }).ctx);
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 401,
      providerMessage: 'Bad credentials',
    });
  });

  it('names the scopes a classic token lacks, and what stays unknown without them', async () => {
    const narrow: FakeToken = { token: 'ghp_narrow', login: 'octo-admin', scopes: ['read:org'] };
    const github = await start({ tokens: [narrow] });
    const outcome = await connector.test(kit(github, { token: narrow.token }).ctx);
    expect(outcome).toMatchObject({
      ok: true,
      details: { permissions_verified: ['read:org'], missing_scopes: ['repo', 'security_events'] },
    });
    expect(outcome.message).toContain(
      'security_events (Dependabot and code scanning alerts will be unknown)',
    );
  });

  it('reports what a fine-grained token (no X-OAuth-Scopes) proved by its calls', async () => {
    const fine: FakeToken = { token: 'github_pat_fine', login: 'octo-admin', scopes: null };
    const github = await start({ tokens: [fine] });
    const outcome = await connector.test(kit(github, { token: fine.token }).ctx);
    expect(outcome).toMatchObject({
      ok: true,
      details: {
        token_scopes: null,
        permissions_verified: ['organization:read', 'members:read'],
        missing_scopes: [],
      },
    });
  });

  it('says a non-owner cannot see two-factor state', async () => {
    const member: FakeToken = { token: 'ghp_member', login: 'member-0001', scopes: ['read:org', 'repo'] };
    const github = await start({ tokens: [member] });
    const outcome = await connector.test(kit(github, { token: member.token }).ctx);
    expect(outcome).toMatchObject({
      ok: true,
      details: {
        role: 'member',
        two_factor_requirement_enabled: null,
        counts: { private_repositories: null },
      },
    });
    expect(outcome.message).toContain("Only organization owners can read members' two-factor state");
  });

  it('reports an organization the token cannot see as a provider error', async () => {
    const github = await start();
    const outcome = await connector.test(kit(github, { organization: 'someone-else' }).ctx);
    expect(outcome).toMatchObject({ ok: false, errorType: 'provider_error', httpStatus: 404 });
  });

  it('health-checks with one request', async () => {
    const github = await start();
    const k = kit(github);
    const outcome = await connector.healthCheck(k.ctx);
    expect(outcome).toMatchObject({
      ok: true,
      details: { organization: { login: 'acme-corp' }, missing_scopes: [] },
    });
    expect(k.requests).toHaveLength(1);
  });

  it('rejects with the abort reason when cancelled before it starts', async () => {
    const github = await start();
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(connector.test(kit(github, {}, { signal: controller.signal }).ctx)).rejects.toBe(reason);
  });
});

describe('GitHub connector: sync', () => {
  it('pages through every listing (100 a page, following Link) and yields the ground truth', async () => {
    const github = await start({ org: generateOrg({ repos: 250, members: 130, outsideCollaborators: 7 }) });
    const { batches } = await collectSync(connector, kit(github));
    expect(records(batches, 'repositories')).toHaveLength(250);
    expect(records(batches, 'members')).toHaveLength(130);
    expect(records(batches, 'outside_collaborators')).toHaveLength(7);
    expect(records(batches, 'organization')).toEqual([expect.objectContaining({ login: 'acme-corp' })]);
    expect(batches.filter((b) => b.entity === 'repositories').map((b) => b.records.length)).toEqual([
      100, 100, 50,
    ]);
    const listing = github.requests.filter((r) => r.path.endsWith('/repos'));
    expect(listing.map((r) => [r.path, r.query.page, r.query.per_page])).toEqual([
      ['/orgs/acme-corp/repos', '1', '100'],
      [`/organizations/${github.org.id}/repos`, '2', '100'],
      [`/organizations/${github.org.id}/repos`, '3', '100'],
    ]);
    expect(github.requests.every((r) => r.status < 400 || r.status === 403 || r.status === 404)).toBe(true);
  });

  it('reads each repository’s protection, Dependabot and code scanning states as GitHub answers them', async () => {
    const github = await start();
    const { batches } = await collectSync(connector, kit(github));
    const truth = (index: number) => github.org.repos[index]!;
    // repo-0000: protected, Dependabot off, code scanning on.
    expect(repoNamed(batches, truth(0).name)).toMatchObject({
      visibility: 'public',
      branch_protection: {
        status: 'protected',
        branch: 'main',
        required_approving_review_count: 1,
        enforce_admins: true,
      },
      dependabot_alerts: { status: 'disabled', open: null },
      code_scanning: { status: 'enabled', open_alerts: 2 },
    });
    // repo-0001: "Branch not protected"; 1 open alert of 1 (+ a fixed one); code scanning never ran.
    expect(repoNamed(batches, truth(1).name)).toMatchObject({
      branch_protection: { status: 'unprotected' },
      dependabot_alerts: { status: 'enabled', open: { critical: 0, high: 1, medium: 0, low: 0, total: 1 } },
      code_scanning: { status: 'no_analysis', open_alerts: null },
    });
    // repo-0002: code scanning switched off; repo-0003: no Advanced Security.
    expect(repoNamed(batches, truth(2).name)).toMatchObject({ code_scanning: { status: 'not_enabled' } });
    expect(repoNamed(batches, truth(3).name)).toMatchObject({ code_scanning: { status: 'unavailable' } });
    // repo-0004: open alerts of four severities on its `master` default branch.
    expect(repoNamed(batches, truth(4).name)).toMatchObject({
      default_branch: 'master',
      branch_protection: { status: 'protected', branch: 'master' },
      dependabot_alerts: { open: { critical: 1, high: 1, medium: 1, low: 1, total: 4 } },
    });
    // repo-0006: private on a plan without protection; repo-0028: empty ("Branch not found").
    expect(repoNamed(batches, truth(6).name)).toMatchObject({ branch_protection: { status: 'unavailable' } });
    expect(repoNamed(batches, truth(28).name)).toMatchObject({
      branch_protection: { status: 'unprotected' },
    });
    expect(repoNamed(batches, truth(10).name)).toMatchObject({ archived: true });
    // Only open alerts are asked for.
    const alerts = github.requests.filter((r) => r.path.endsWith('/dependabot/alerts'));
    expect(alerts.every((r) => r.query.state === 'open')).toBe(true);
  });

  it('gives members their role and 2FA state, outside collaborators their 2FA state', async () => {
    const github = await start();
    const { batches } = await collectSync(connector, kit(github));
    const members = records(batches, 'members');
    for (const truth of github.org.members) {
      expect(members.find((m) => m.login === truth.login)).toMatchObject({
        id: truth.id,
        role: truth.role,
        two_factor_enabled: truth.twoFactor,
      });
    }
    const outside = records(batches, 'outside_collaborators');
    for (const truth of github.org.outsideCollaborators) {
      expect(outside.find((m) => m.login === truth.login)).toMatchObject({
        two_factor_enabled: truth.twoFactor,
      });
    }
    const asked = github.requests.filter((r) => r.path === '/orgs/acme-corp/members').map((r) => r.query);
    expect(asked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'admin' }),
        expect.objectContaining({ filter: '2fa_disabled' }),
        expect.objectContaining({ role: 'all' }),
      ]),
    );
  });

  it('with a member’s token, records 2FA and repository security as unknown (never as off) and says so', async () => {
    const member: FakeToken = { token: 'ghp_member', login: 'member-0001', scopes: ['read:org', 'repo'] };
    const github = await start({ tokens: [member] });
    const { batches, log } = await collectSync(connector, kit(github, { token: member.token }));
    const repos = records(batches, 'repositories');
    expect(repos).toHaveLength(120);
    for (const repo of repos) {
      expect(repo).toMatchObject({
        branch_protection: { status: 'unknown' },
        dependabot_alerts: { status: 'unknown', open: null },
        code_scanning: { status: 'unknown' },
      });
    }
    // Its 404 would read as "disabled": not asked without admin rights.
    expect(github.requests.filter((r) => r.path.endsWith('/vulnerability-alerts'))).toEqual([]);
    expect(records(batches, 'members').every((m) => m.two_factor_enabled === null)).toBe(true);
    expect(records(batches, 'organization')[0]).toMatchObject({ two_factor_requirement_enabled: null });
    expect(log).toContainEqual({
      level: 'warn',
      message: 'Could not read which members lack two-factor authentication; recorded as unknown',
    });
    expect(evidence(batches, 'two_factor_enforcement')?.data).toMatchObject({
      requirement_enabled: null,
      members_without_2fa: null,
    });
  });

  it('records security states the token may not read as unknown, logged once per feature', async () => {
    const publicOnly: FakeToken = {
      token: 'ghp_public',
      login: 'octo-admin',
      scopes: ['read:org', 'public_repo'],
    };
    const github = await start({ tokens: [publicOnly] });
    const { batches, log } = await collectSync(connector, kit(github, { token: publicOnly.token }));
    const repos = records(batches, 'repositories');
    expect(repos).toHaveLength(expectedPreview(github.org).repositories.public);
    const enabled = repos.filter((r) => (r.dependabot_alerts as { status: string }).status === 'enabled');
    expect(enabled.length).toBeGreaterThan(0);
    expect(enabled.every((r) => (r.dependabot_alerts as { open: unknown }).open === null)).toBe(true);
    expect(repos.every((r) => (r.code_scanning as { status: string }).status === 'unknown')).toBe(true);
    expect(
      log
        .filter((l) => l.level === 'warn')
        .map((l) => l.message)
        .sort(),
    ).toEqual([
      `Could not read Dependabot alerts of ${enabled.length} repositories; recorded as unknown`,
      `Could not read code scanning of ${repos.length} repositories; recorded as unknown`,
    ]);
  });

  it('collects branch protection, 2FA and vulnerability evidence equal to the ground truth', async () => {
    const github = await start({
      org: generateOrg({ repos: 120, members: 60, outsideCollaborators: 5, twoFactorRequired: true }),
    });
    const { batches } = await collectSync(connector, kit(github));
    const coverage = protectionCoverage(github.org);
    expect(evidence(batches, 'branch_protection_coverage')?.data).toMatchObject({
      active_repositories: coverage.active,
      protected: coverage.protected,
      unprotected: coverage.active - coverage.protected,
      coverage_pct: Math.round((coverage.protected / coverage.active) * 1000) / 10,
    });
    const severities = openAlertsBySeverity(github.org);
    expect(evidence(batches, 'open_vulnerability_alerts')?.data).toMatchObject({
      by_severity: severities,
      total: Object.values(severities).reduce((a, b) => a + b, 0),
    });
    const no2fa = withoutTwoFactor(github.org);
    expect(evidence(batches, 'two_factor_enforcement')).toMatchObject({
      summary: `acme-corp requires two-factor authentication; ${no2fa.members.length} of 60 members without it, ${no2fa.outside.length} of 5 outside collaborators without it`,
      data: {
        requirement_enabled: true,
        members_total: 60,
        members_without_2fa: no2fa.members.length,
        members_without_2fa_logins: no2fa.members,
        outside_collaborators_without_2fa_logins: no2fa.outside,
      },
    });
  });

  it('previews exactly the fake’s ground truth, in the spec’s shape', async () => {
    const github = await start();
    const { batches } = await collectSync(connector, kit(github));
    const preview = await connector.preview(stored(batches));
    expect(preview).toEqual(expectedPreview(github.org));
    expect(Object.keys(preview)).toEqual(['repositories', 'security', 'members']);
  });

  it('starts a listing over from a cursor it did not write', async () => {
    const github = await start({ org: generateOrg({ repos: 120, members: 3, outsideCollaborators: 1 }) });
    const { batches } = await collectSync(connector, kit(github), {
      fullSync: false,
      cursors: { repositories: '3' },
    });
    expect(records(batches, 'repositories')).toHaveLength(120);
  });

  it('resumes each listing from its cursor without repeating a record', async () => {
    const github = await start();
    const first = await collectSync(connector, kit(github));
    const afterPage1 = first.batches.find((b) => b.entity === 'repositories')!;
    github.requests.length = 0;
    const resumed = await collectSync(connector, kit(github), {
      fullSync: true,
      cursors: { repositories: afterPage1.cursor! },
    });
    expect(records(resumed.batches, 'repositories')).toHaveLength(20);
    const seen = new Set(afterPage1.records.map((r) => r.id));
    for (const batch of resumed.batches.filter((b) => b.entity === 'repositories')) {
      for (const record of batch.records) expect(seen.has(record.id)).toBe(false);
    }
    expect(github.requests.find((r) => r.path.endsWith('/repos'))?.query.page).toBe('2');
    // A listing resumed mid-way cannot see the whole: no coverage evidence from it.
    expect(evidence(resumed.batches, 'branch_protection_coverage')).toBeUndefined();
  });

  it('picks up only what was added since on an incremental sync after a complete one', async () => {
    const github = await start();
    const first = await collectSync(connector, kit(github));
    const cursors: Record<string, string> = {};
    for (const batch of first.batches) if (batch.cursor) cursors[batch.entity] = batch.cursor;
    github.org.repos.push(fakeRepo(github.org, 120));
    github.org.members.push({ id: 7777, login: 'newcomer', role: 'member', twoFactor: false });
    const next = await collectSync(connector, kit(github), { fullSync: false, cursors });
    expect(records(next.batches, 'repositories').map((r) => r.name)).toEqual(['repo-0120']);
    expect(records(next.batches, 'members')).toEqual([
      expect.objectContaining({ login: 'newcomer', two_factor_enabled: false }),
    ]);
    expect(records(next.batches, 'outside_collaborators')).toEqual([]);
    // The organization and its 2FA evidence are read again on every sync.
    expect(evidence(next.batches, 'two_factor_enforcement')?.data).toMatchObject({
      members_without_2fa: withoutTwoFactor(github.org).members.length,
    });
  });

  it('fails as an authentication failure when GitHub refuses the token', async () => {
    const github = await start();
    const failure = await collectSync(connector, kit(github, { token: 'ghp_revoked' })).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({
      failure: 'authentication',
      details: { httpStatus: 401, providerMessage: 'Bad credentials' },
    });
  });

  it('stops with the abort reason when cancelled mid-sync', async () => {
    const github = await start();
    const controller = new AbortController();
    const held = github.hold(/\/members$/);
    const reason = new Error('run cancelled');
    const running = collectSync(connector, kit(github, {}, { signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    await held;
    controller.abort(reason);
    expect(await running).toBe(reason);
  });
});

describe('GitHub connector: rate limits and server errors', () => {
  it('waits out a secondary rate limit’s retry-after and goes on', async () => {
    const github = await start({ org: generateOrg({ repos: 3, members: 2, outsideCollaborators: 1 }) });
    github.failNext({ kind: 'secondary', retryAfter: 7, path: /\/repos$/ });
    const { batches } = await collectSync(connector, kit(github));
    expect(records(batches, 'repositories')).toHaveLength(3);
    expect(waits).toEqual([7000]);
    const listing = github.requests.filter((r) => r.path.endsWith('/repos'));
    expect(listing.map((r) => [r.status, r.rateLimited])).toEqual([
      [403, true],
      [200, false],
    ]);
  });

  it('hands a secondary limit longer than the wait budget back to the engine, with when to retry', async () => {
    const github = await start({ org: generateOrg({ repos: 3, members: 2, outsideCollaborators: 1 }) });
    github.failNext({ kind: 'secondary', status: 429, retryAfter: 120 });
    const failure = await collectSync(connector, kit(github, {}, { maxWaitMs: 60_000 })).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({
      failure: 'transient',
      details: { httpStatus: 429, retryAfterMs: 120_000 },
    });
    expect(waits).toEqual([]);
  });

  it('waits for the reset of a spent primary budget (403 or 429) through the engine, then goes on', async () => {
    for (const status of [403, 429] as const) {
      const github = await start({ org: generateOrg({ repos: 3, members: 2, outsideCollaborators: 1 }) });
      // A 30 s window, spent by other clients of the token when the members are listed.
      github.setBudget(5000, 30_000);
      github.failNext({ kind: 'primary', status, path: /\/members$/ });
      const k = kit(github);
      const { batches } = await collectSync(connector, k);
      expect(records(batches, 'members')).toHaveLength(2);
      expect(github.requests.filter((r) => r.rateLimited).map((r) => r.status)).toEqual([status]);
      // The engine's pacing waited for the reset; Octokit took no wait of its own.
      expect(k.waits).toHaveLength(1);
      expect(k.waits[0]).toBeGreaterThan(20_000);
      expect(k.waits[0]).toBeLessThanOrEqual(31_000);
      expect(waits).toEqual([]);
      await github.close();
    }
  });

  it('keeps within an announced small budget: never refused, paced by the engine', async () => {
    const github = await start({ org: generateOrg({ repos: 40, members: 5, outsideCollaborators: 1 }) });
    github.setBudget(10, 60_000);
    // Slow answers: requests of a new kind go out before any of them has been answered.
    github.latencyMs = 30;
    // Waits are the kit's (no time passes), so the budget only needs to cover them.
    const k = kit(github, {}, { maxWaitMs: 86_400_000 });
    const { batches } = await collectSync(connector, k);
    expect(records(batches, 'repositories')).toHaveLength(40);
    expect(github.requests.length).toBeGreaterThan(100);
    expect(github.requests.filter((r) => r.rateLimited)).toEqual([]);
    expect(k.waits.length).toBeGreaterThanOrEqual(Math.floor(github.requests.length / 10) - 1);
  });

  it('counts every endpoint against GitHub’s one core budget, Link pages by id included', async () => {
    // The members' second page is asked at /organizations/{id}/members, after four requests spent a
    // budget of four: it waits for the reset like any other.
    const github = await start({ org: generateOrg({ repos: 0, members: 150, outsideCollaborators: 1 }) });
    github.setBudget(4, 60_000);
    const k = kit(github, {}, { maxWaitMs: 86_400_000 });
    const { batches } = await collectSync(connector, k);
    expect(records(batches, 'members')).toHaveLength(150);
    expect(github.requests.map((r) => r.path)).toContain(`/organizations/${github.org.id}/members`);
    expect(github.requests.filter((r) => r.rateLimited)).toEqual([]);
  });

  it('retries a server error with backoff, then succeeds', async () => {
    const github = await start({ org: generateOrg({ repos: 3, members: 2, outsideCollaborators: 1 }) });
    github.failNext({ kind: 'status', status: 502, path: /^\/orgs\/acme-corp$/ });
    const outcome = await connector.test(kit(github).ctx);
    expect(outcome.ok).toBe(true);
    expect(waits).toEqual([1000]);
    expect(github.requests.filter((r) => r.path === '/orgs/acme-corp').map((r) => r.status)).toEqual([
      502, 200,
    ]);
  });

  it('fails transient after the retries when the server errors persist', async () => {
    const github = await start({ org: generateOrg({ repos: 3, members: 2, outsideCollaborators: 1 }) });
    github.failNext(...[1, 2, 3].map(() => ({ kind: 'status' as const, status: 503, path: /\/repos$/ })));
    const failure = await collectSync(connector, kit(github)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ failure: 'transient', details: { httpStatus: 503 } });
    expect(waits).toEqual([1000, 4000]);
  });
});

describe('GitHub connector: the engine’s own failures', () => {
  it('lets an unreachable GitHub through as the engine’s failure, not as a retried HTTP 500', async () => {
    const github = await start();
    await github.close();
    const failure = await collectSync(connector, kit(github)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderUnreachableError);
    expect(waits).toEqual([]);
    await expect(connector.test(kit(github).ctx)).rejects.toBeInstanceOf(ProviderUnreachableError);
  });
});

describe('GitHub’s refusals read as rate limits or not', () => {
  const refused = (status: number, message: string, headers: Record<string, string>) =>
    new RequestError(message, status, {
      request: { method: 'GET', url: 'https://api.github.com/orgs/acme', headers: {} },
      response: { status, url: '', headers, data: { message } },
    });
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('waits for the reset of a spent primary budget, retry-after where given, a minute otherwise', () => {
    const reset = String(now / 1000 + 90);
    expect(
      rateLimitRetryMs(
        refused(403, 'API rate limit exceeded for user ID 1.', {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': reset,
        }),
        now,
      ),
    ).toBe(90_000);
    expect(rateLimitRetryMs(refused(429, 'whatever', { 'retry-after': '12' }), now)).toBe(12_000);
    expect(rateLimitRetryMs(refused(403, 'You have exceeded a secondary rate limit.', {}), now)).toBe(60_000);
  });

  it('does not take a refusal that spent the window’s last request for a rate limit', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 90) };
    expect(
      rateLimitRetryMs(
        refused(403, 'Advanced Security must be enabled for this repository to use code scanning.', headers),
        now,
      ),
    ).toBeUndefined();
    expect(rateLimitRetryMs(refused(404, 'Not Found', headers), now)).toBeUndefined();
  });
});

describe('GitHub connector: GitHub Enterprise Server', () => {
  it('calls HOST/api/v3 when base_url says so, following Link pages under it', async () => {
    const github = await start({ pathPrefix: '/api/v3', enterpriseVersion: '3.14.2' });
    expect(github.url).toMatch(/\/api\/v3$/);
    const k = kit(github);
    const outcome = await connector.test(k.ctx);
    expect(outcome).toMatchObject({ ok: true, details: { provider_version: '3.14.2' } });
    const { batches } = await collectSync(connector, kit(github));
    expect(records(batches, 'repositories')).toHaveLength(120);
    expect(k.requests.every((r) => r.path.startsWith('/api/v3/'))).toBe(true);
    expect(github.requests.every((r) => r.status !== 404 || !r.path.endsWith('/repos'))).toBe(true);
  });
});

describe('the fake GitHub', () => {
  it('refuses a request without a User-Agent with GitHub’s plain-text 403', async () => {
    const github = await start();
    const response = await fetch(`${github.url}/orgs/acme-corp`, {
      headers: { authorization: `token ${OWNER.token}`, 'user-agent': '' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(
      /^Request forbidden by administrative rules\. Please make sure your request has a User-Agent header/,
    );
  });

  it('pages at most 100 a page, with Link URLs by id; refuses an unknown API version', async () => {
    const github = await start();
    const headers = { authorization: `token ${OWNER.token}`, 'user-agent': 'test' };
    const page = await fetch(`${github.url}/orgs/acme-corp/repos?per_page=500`, { headers });
    expect(((await page.json()) as unknown[]).length).toBe(100);
    expect(page.headers.get('link')).toBe(
      `<${github.url}/organizations/${github.org.id}/repos?per_page=100&page=2>; rel="next", ` +
        `<${github.url}/organizations/${github.org.id}/repos?per_page=100&page=2>; rel="last"`,
    );
    const versioned = await fetch(`${github.url}/orgs/acme-corp`, {
      headers: { ...headers, 'x-github-api-version': '2099-01-01' },
    });
    expect(versioned.status).toBe(400);
  });

  it('takes token and Bearer credentials, answers Bad credentials otherwise, with rate-limit headers', async () => {
    const github = await start();
    for (const scheme of ['token', 'Bearer']) {
      const ok = await fetch(`${github.url}/orgs/acme-corp`, {
        headers: { authorization: `${scheme} ${OWNER.token}`, 'user-agent': 'test' },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('5000');
      expect(ok.headers.get('x-ratelimit-resource')).toBe('core');
      expect(ok.headers.get('x-oauth-scopes')).toBe('read:org, repo');
    }
    const bad = await fetch(`${github.url}/orgs/acme-corp`, {
      headers: { authorization: 'token nope', 'user-agent': 'test' },
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
  });
});

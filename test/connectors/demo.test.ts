import { describe, expect, it } from 'vitest';
import {
  DEMO_DEFAULTS,
  DEMO_ENTITIES,
  type DemoConfig,
  DemoConnector,
  demoCounts,
  demoDefinition,
  demoFailure,
  demoPage,
  demoRecord,
  demoRecords,
} from '../../src/connectors/demo/index.js';
import type { ConnectorContext, TestOutcome } from '../../src/connectors/sdk.js';
import { testContext } from '../../src/connectors/toolkit/test-kit.js';

function context(config: DemoConfig): ConnectorContext<DemoConfig> {
  return testContext(new DemoConnector(), config).ctx;
}

/** Runs `test` `times` times on one fresh connector and returns the outcomes in order. */
async function testRuns(config: DemoConfig, times: number): Promise<TestOutcome[]> {
  const connector = new DemoConnector();
  const outcomes: TestOutcome[] = [];
  for (let i = 0; i < times; i++) outcomes.push(await connector.test(context(config)));
  return outcomes;
}

/** The first `n` values; `break` closes the generator, so nothing past them is built. */
function take<T>(values: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const value of values) {
    out.push(value);
    if (out.length >= n) break;
  }
  return out;
}

describe('demo data', () => {
  const sized = { seed: 42, users: 300, groups: 12, repositories: 40 };

  it('generates the same records for the same seed and different ones for another', () => {
    for (const entity of DEMO_ENTITIES) {
      const first = demoPage(sized, entity, 0, 50);
      expect(demoPage({ ...sized }, entity, 0, 50)).toEqual(first);
      const other = demoPage({ ...sized, seed: 43 }, entity, 0, 50);
      expect(other).toHaveLength(first.length);
      expect(other.map((r) => r.id)).not.toEqual(first.map((r) => r.id));
    }
    const users = demoPage(sized, 'users', 0, 50);
    const others = demoPage({ ...sized, seed: 43 }, 'users', 0, 50);
    expect(others.map((u) => u.email)).not.toEqual(users.map((u) => u.email));
  });

  it('builds record ids from the seed and position only, whatever the page', () => {
    const whole = demoPage(sized, 'repositories', 0, 40);
    const pieced = [...demoPage(sized, 'repositories', 0, 17), ...demoPage(sized, 'repositories', 17, 23)];
    expect(pieced).toEqual(whole);
    expect(demoRecord(sized, 'repositories', 29)).toEqual(whole[29]);
    expect([...demoRecords(sized, 'repositories', 35)]).toEqual(whole.slice(35));
    // Growing the data set appends records; the existing ones keep their ids and values.
    expect(demoPage({ ...sized, repositories: 80 }, 'repositories', 0, 40)).toEqual(whole);
  });

  it('gives unique ids, emails and names within an entity', () => {
    const config = { seed: 5, users: 5000, groups: 300, repositories: 1200 };
    const users = [...demoRecords(config, 'users')];
    expect(new Set(users.map((u) => u.id)).size).toBe(5000);
    expect(new Set(users.map((u) => u.email)).size).toBe(5000);
    const groups = [...demoRecords(config, 'groups')];
    expect(new Set(groups.map((g) => g.name)).size).toBe(300);
    const repos = [...demoRecords(config, 'repositories')];
    expect(new Set(repos.map((r) => r.full_name)).size).toBe(1200);
    const memberships = [...demoRecords(config, 'group_memberships')];
    expect(new Set(memberships.map((m) => m.id)).size).toBe(memberships.length);
  });

  it('sizes each entity from the config, with the schema’s defaults', () => {
    expect(demoCounts({})).toEqual({
      users: DEMO_DEFAULTS.users,
      groups: DEMO_DEFAULTS.groups,
      group_memberships: DEMO_DEFAULTS.users * 2,
      repositories: DEMO_DEFAULTS.repositories,
    });
    expect(demoCounts(sized)).toEqual({ users: 300, groups: 12, group_memberships: 600, repositories: 40 });
    expect(demoCounts({ users: 7, groups: 1 }).group_memberships).toBe(7);
    expect(demoCounts({ users: 7, groups: 0 }).group_memberships).toBe(0);
    for (const entity of DEMO_ENTITIES) {
      expect([...demoRecords(sized, entity)]).toHaveLength(demoCounts(sized)[entity]);
    }
    expect(demoPage(sized, 'users', 290, 50)).toHaveLength(10);
    expect(demoPage(sized, 'users', 300, 50)).toEqual([]);
    expect(() => demoRecord(sized, 'users', 300)).toThrow(RangeError);
    expect(() => demoCounts({ users: 1_000_001 })).toThrow(/users must be an integer from 0 to 1000000/);
    expect(() => demoPage(sized, 'users', -1, 10)).toThrow(RangeError);
  });

  it('agrees with the config schema on defaults', () => {
    for (const [name, value] of Object.entries(DEMO_DEFAULTS)) {
      expect(demoDefinition.configSchema.properties[name]?.default, name).toBe(value);
    }
  });

  it('links memberships and repositories to records that exist', () => {
    const userIds = new Set([...demoRecords(sized, 'users')].map((u) => u.id));
    const groupIds = new Set([...demoRecords(sized, 'groups')].map((g) => g.id));
    const memberships = [...demoRecords(sized, 'group_memberships')];
    for (const m of memberships) {
      expect(userIds.has(m.user_id)).toBe(true);
      expect(groupIds.has(m.group_id)).toBe(true);
    }
    // Two memberships per user, in two different groups.
    const pairs = new Set(memberships.map((m) => `${m.user_id}/${m.group_id}`));
    expect(pairs.size).toBe(memberships.length);
    for (const r of demoRecords(sized, 'repositories'))
      expect(groupIds.has(r.owner_group_id ?? '')).toBe(true);
    expect(demoPage({ ...sized, groups: 0 }, 'repositories', 0, 5).map((r) => r.owner_group_id)).toEqual(
      Array(5).fill(null),
    );
  });

  it('pages through a million users without building them all', () => {
    const million = { seed: 9, users: 1_000_000 };
    expect(demoCounts(million).users).toBe(1_000_000);
    const head = take(demoRecords(million, 'users'), 3);
    expect(head).toEqual(demoPage(million, 'users', 0, 3));
    const tail = demoPage(million, 'users', 999_998, 1000);
    expect(tail).toHaveLength(2);
    expect(tail[1]).toEqual(demoRecord(million, 'users', 999_999));
    expect(take(demoRecords(million, 'users', 500_000), 2)).toEqual(demoPage(million, 'users', 500_000, 2));
    // Names run out after 1,600 combinations and continue numbered, still unique.
    expect(demoRecord(million, 'users', 999_999).email).toMatch(/^[a-z]+\.[a-z]+\d+@demo\.example$/);
  });

  it('produces plausible records', () => {
    const user = demoRecord(sized, 'users', 0);
    expect(user.id).toMatch(/^usr_[0-9a-f]{8}$/);
    expect(user.email.endsWith('@demo.example')).toBe(true);
    expect(['active', 'suspended', 'deprovisioned']).toContain(user.status);
    expect(Date.parse(user.created_at)).toBeGreaterThanOrEqual(Date.UTC(2020, 0, 1));
    const repo = demoRecord({ ...sized, domain: 'acme.example' }, 'repositories', 0);
    expect(repo.full_name).toBe(`acme/${repo.name}`);
    const users = [...demoRecords({ seed: 3, users: 2000 }, 'users')];
    const active = users.filter((u) => u.status === 'active').length / users.length;
    expect(active).toBeGreaterThan(0.8);
    expect(active).toBeLessThan(0.97);
    for (const u of users) {
      if (u.last_login_at !== null) expect(u.last_login_at >= u.created_at).toBe(true);
    }
  });
});

describe('demo connector test', () => {
  const valid: DemoConfig = { api_token: 'demo-token', seed: 11, users: 30, groups: 4, repositories: 6 };

  it('succeeds with the spec’s details and the data set’s size', async () => {
    const outcome = await new DemoConnector().test(context(valid));
    expect(outcome).toMatchObject({
      ok: true,
      message: expect.stringContaining('Users: 30'),
      details: {
        provider_response_time_ms: expect.any(Number),
        provider_version: demoDefinition.version,
        permissions_verified: expect.arrayContaining(['users.read', 'repositories.read']),
        counts: { users: 30, groups: 4, group_memberships: 60, repositories: 6 },
      },
    });
  });

  it('fails authentication when fail_auth is set, as a provider refusing a token does', async () => {
    const outcome = await new DemoConnector().test(context({ ...valid, fail_auth: true }));
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 401,
      providerMessage: 'Invalid API token',
      message: expect.stringContaining('Invalid API token'),
    });
  });

  it('fails authentication without a token', async () => {
    const outcome = await new DemoConnector().test(context({ ...valid, api_token: '  ' }));
    expect(outcome).toMatchObject({ ok: false, errorType: 'auth_error', httpStatus: 401 });
  });

  it('always fails at failure_rate 1 and never at 0', async () => {
    const failing = await testRuns({ ...valid, failure_rate: 1 }, 20);
    for (const outcome of failing) {
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(['provider_error', 'rate_limited']).toContain(outcome.errorType);
    }
    const kinds = new Set(failing.map((o) => (o.ok ? 'ok' : o.errorType)));
    expect(kinds).toEqual(new Set(['provider_error', 'rate_limited']));
    expect((await testRuns({ ...valid, failure_rate: 0 }, 20)).every((o) => o.ok)).toBe(true);
  });

  it('fails exactly the requested fraction, in a sequence fixed by the seed', async () => {
    const config = { ...valid, failure_rate: 0.25 };
    const runs = await testRuns(config, 100);
    const kinds = (outcomes: TestOutcome[]) => outcomes.map((o) => (o.ok ? 'ok' : o.errorType));
    expect(runs.filter((o) => !o.ok)).toHaveLength(25);
    expect(kinds(await testRuns(config, 100))).toEqual(kinds(runs));
    const pattern = (seed: number) =>
      Array.from({ length: 100 }, (_, i) => demoFailure({ seed, failure_rate: 0.25 }, 'test', i) !== null);
    expect(pattern(11)).toEqual(runs.map((o) => !o.ok));
    expect(pattern(12)).not.toEqual(pattern(11));
  });

  it('rejects when cancelled before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      new DemoConnector().test({ ...context(valid), signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

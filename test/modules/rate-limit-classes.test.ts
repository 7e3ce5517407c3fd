import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

// One contract over both stores: memory always, Redis when REDIS_URL is set.
const backends: { name: string; env: Record<string, string> }[] = [
  { name: 'memory', env: {} },
  ...(REDIS_URL ? [{ name: 'redis', env: { REDIS_URL } }] : []),
];

const MISSING = '01890000-0000-7000-8000-000000000000';

let ipCounter = 0;
/** A caller address no other test uses, so IP-keyed counters start fresh. */
const freshIp = () => `203.0.113.${++ipCounter}`;

const header = (res: LightMyRequestResponse, name: string) => res.headers[name];

/** The limit headers of a counted request: the class's max, what is left, a reset within the window. */
function expectCounted(res: LightMyRequestResponse, max: number, remaining: number, windowSeconds = 60) {
  expect(header(res, 'x-ratelimit-limit'), res.body).toBe(String(max));
  expect(header(res, 'x-ratelimit-remaining'), res.body).toBe(String(remaining));
  const reset = Number(header(res, 'x-ratelimit-reset'));
  const now = Date.now() / 1000;
  expect(reset).toBeGreaterThanOrEqual(Math.floor(now));
  expect(reset).toBeLessThanOrEqual(Math.ceil(now) + windowSeconds);
}

/** The 429 of a spent limit: Retry-After, the headers and the error envelope. */
function expectRefused(res: LightMyRequestResponse, max: number, windowSeconds = 60) {
  expect(res.statusCode, res.body).toBe(429);
  const retryAfter = Number(header(res, 'retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(header(res, 'x-ratelimit-limit')).toBe(String(max));
  expect(header(res, 'x-ratelimit-remaining')).toBe('0');
  expect(res.json()).toEqual({
    error: {
      code: 'RATE_LIMIT_EXCEEDED',
      message: 'Rate limit exceeded. Please try again later.',
      retry_after: retryAfter,
      request_id: header(res, 'x-request-id'),
    },
  });
}

describe.each(backends)('rate-limit classes of the integration routes, $name counters', ({ env }) => {
  let t: TestApp;
  let demoId: string;
  beforeAll(async () => {
    t = await testApp({ env });
    demoId = (
      await t.ctx.database.db
        .selectFrom('integration_definitions')
        .select('id')
        .where('slug', '=', 'demo')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(() => t.close());

  const get = (url: string, as?: SeededUser, remoteAddress?: string): InjectOptions => ({
    method: 'GET',
    url: `/api/v1${url}`,
    ...(as ? { headers: as.auth } : {}),
    ...(remoteAddress ? { remoteAddress } : {}),
  });

  /** Sends `count` requests one after another, expecting each to pass with the class's numbers. */
  async function spend(request: InjectOptions, count: number, max: number, alreadyUsed = 0) {
    for (let i = 1; i <= count; i++) {
      const res = await t.app.inject(request);
      expect(res.statusCode, res.body).toBeLessThan(429);
      expectCounted(res, max, max - alreadyUsed - i);
    }
  }

  it('counts the admin catalog as provider: 100 a minute, then 429', async () => {
    const admin = await seedUser(t, { superAdmin: true });
    await spend(get('/admin/integrations', admin), 100, 100);
    expectRefused(await t.app.inject(get(`/admin/integrations/${demoId}`, admin)), 100);
  });

  it('counts the catalog, connections, runs and health as integration: one counter of 200 a minute', async () => {
    const user = await seedUser(t);
    await spend(get('/integrations', user), 100, 200);
    await spend(get('/integration-connections', user), 50, 200, 100);
    await spend(get(`/integration-connections/${MISSING}/runs`, user), 25, 200, 150);
    await spend(get(`/integration-connections/${MISSING}/health`, user), 25, 200, 175);
    for (const url of [
      '/integrations',
      '/integration-connections',
      `/integration-connections/${MISSING}/runs`,
      `/integration-connections/${MISSING}/health`,
    ]) {
      expectRefused(await t.app.inject(get(url, user)), 200);
    }
    // Counted per caller: someone else in the same org still has the whole allowance.
    const colleague = await seedUser(t, { orgId: user.orgId });
    expectCounted(await t.app.inject(get('/integrations', colleague)), 200, 199);
  });

  it('counts connect and user-connect routes as connection: one counter of 50 a minute', async () => {
    const user = await seedUser(t);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: user.auth,
      payload: { definition_id: demoId, name: 'Demo', config: { api_token: 'secret-token-1234' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    // Creating counted against integration, not connection.
    expectCounted(created, 200, 199);
    const id = created.json().data.id as string;

    await spend(get(`/integration-connections/${id}/connection`, user), 49, 50);
    const connect = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${id}/connect/api-key`,
      headers: user.auth,
      payload: { api_key: 'another-secret-token' },
    });
    expect(connect.statusCode, connect.body).toBe(200);
    expectCounted(connect, 50, 0);
    expectRefused(await t.app.inject(get(`/user/integrations/${id}/connection`, user)), 50);
    expectRefused(await t.app.inject(get(`/integration-connections/${id}/connection`, user)), 50);
  });

  it('counts the public OAuth callback as connection, per address', async () => {
    const ip = freshIp();
    for (let i = 1; i <= 50; i++) {
      const res = await t.app.inject(get('/integrations/oauth/callback?state=unknown&code=x', undefined, ip));
      expect(res.statusCode, res.body).toBe(400);
      expectCounted(res, 50, 50 - i);
    }
    expectRefused(
      await t.app.inject(get('/integrations/oauth/callback?state=unknown&code=x', undefined, ip)),
      50,
    );
    const elsewhere = await t.app.inject(
      get('/integrations/oauth/callback?state=unknown', undefined, freshIp()),
    );
    expect(elsewhere.statusCode).toBe(400);
    expectCounted(elsewhere, 50, 49);
  });

  it("names each limited route's class in the OpenAPI document, with its 429", async () => {
    type Operation = { description?: string; responses: Record<string, unknown> };
    const doc: { paths: Record<string, Record<string, Operation>> } = (
      await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    ).json();
    const expected: [string, string, string][] = [
      ['/api/v1/admin/integrations', 'post', 'provider (100/min)'],
      ['/api/v1/admin/integrations/{id}/test', 'post', 'provider (100/min)'],
      ['/api/v1/integrations', 'get', 'integration (200/min)'],
      ['/api/v1/integration-connections/{id}', 'put', 'integration (200/min)'],
      ['/api/v1/integration-connections/{id}/sync', 'post', 'integration (200/min)'],
      ['/api/v1/integration-connections/{id}/runs/{rid}/logs', 'get', 'integration (200/min)'],
      ['/api/v1/integration-connections/{id}/health-check', 'post', 'integration (200/min)'],
      ['/api/v1/integration-connections/{id}/connect/oauth', 'post', 'connection (50/min)'],
      ['/api/v1/integration-connections/{id}/credentials', 'patch', 'connection (50/min)'],
      ['/api/v1/integrations/oauth/callback', 'get', 'connection (50/min)'],
      ['/api/v1/user/integrations/{id}/disconnect', 'post', 'connection (50/min)'],
      ['/api/v1/auth/login', 'post', 'login_ip (20/min), login_account (10/15 min, failed requests only)'],
    ];
    for (const [path, method, limit] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op?.description, `${method} ${path}`).toMatch(
        new RegExp(`\\n\\nRate limit: ${limit.replace(/[()]/g, '\\$&')}\\.$`),
      );
      expect(Object.keys(op!.responses), `${method} ${path}`).toContain('429');
    }
    expect(doc.paths['/api/v1/auth/me']?.get?.description ?? '').not.toContain('Rate limit');
  });
});

describe.each(backends)('the login lockout, $name counters', ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env });
  });
  afterAll(() => t.close());

  // A fresh address for each attempt, so that only the per-account limit is in play.
  const login = (email: string, password: string): InjectOptions => ({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: freshIp(),
  });

  it('counts failed logins only: 11 successes pass, 10 failures lock the account', async () => {
    const user = await seedUser(t);
    for (let i = 0; i < 11; i++) {
      const res = await t.app.inject(login(user.email, user.password));
      expect(res.statusCode, res.body).toBe(200);
      // Nothing spent on the account: its whole allowance is left.
      expectCounted(res, 10, 10, 15 * 60);
    }
    for (let i = 1; i <= 10; i++) {
      const res = await t.app.inject(login(user.email, 'not the password at all'));
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
      expectCounted(res, 10, 10 - i, 15 * 60);
    }
    const locked = await t.app.inject(login(user.email.toUpperCase(), user.password));
    expectRefused(locked, 10, 15 * 60);
    expect(Number(header(locked, 'retry-after'))).toBeGreaterThan(60);
    // Another account is not affected.
    const other = await seedUser(t);
    expect((await t.app.inject(login(other.email, other.password))).statusCode).toBe(200);
  });
});

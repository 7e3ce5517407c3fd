import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleRoutes } from '../../src/app.js';
import { AppError } from '../../src/platform/errors.js';
import { limitScope } from '../../src/platform/http/ratelimit/register.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { suiteDatabase } from '../helpers/databases.js';
import { REDIS_URL, uniqueName } from '../helpers/env.js';
import { seedUser } from '../helpers/identity.js';

const ok = async () => ({ data: { ok: true } });

// Small routes declaring limits, as module routes will.
const limitedRoutes: ModuleRoutes = async (app) => {
  app.get('/limited/search', { config: { limit: 'search' } }, ok);
  app.get('/limited/search-too', { config: { limit: 'search' } }, ok);
  app.get('/limited/connection', { config: { access: 'authenticated', limit: 'connection' } }, ok);
  app.get('/limited/public', { config: { access: 'public', limit: 'search' } }, ok);
  app.get('/unlimited', { config: { access: 'public' } }, ok);
  // Like login: a wrong password answers 401 (counted against the account), a server fault 500.
  app.post(
    '/limited/login',
    {
      config: { access: 'public', limit: ['login_ip', 'login_account'] },
      schema: { body: Type.Object({ email: Type.String(), password: Type.Optional(Type.String()) }) },
    },
    async (request) => {
      if (request.body.password === 'wrong') throw new AppError('INVALID_CREDENTIALS');
      if (request.body.password === 'fault') throw new Error('the database went away');
      return ok();
    },
  );
  // A module's scope with a class: its routes count against it unless they declare their own.
  await app.register(async (scope) => {
    limitScope(scope, 'search');
    scope.get('/scoped/default', ok);
    scope.get('/scoped/own', { config: { limit: 'connection' } }, ok);
  });
};

/** Sends `count` requests one after another (each must be counted before the next). */
async function send(t: TestApp, count: number, options: InjectOptions): Promise<LightMyRequestResponse[]> {
  const responses: LightMyRequestResponse[] = [];
  for (let i = 0; i < count; i++) responses.push(await t.app.inject(options));
  return responses;
}

const header = (res: LightMyRequestResponse, name: string) => res.headers[name];
const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode);
const hasLimitHeaders = (res: LightMyRequestResponse) =>
  ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'].some(
    (name) => res.headers[name] !== undefined,
  );

let ipCounter = 0;
/** A caller address no other test uses, so IP-keyed counters start fresh. */
const freshIp = () => `198.51.100.${++ipCounter}`;

// One contract over both stores: memory always, Redis when REDIS_URL is set.
const backends: { name: string; env: Record<string, string> }[] = [
  { name: 'memory', env: {} },
  ...(REDIS_URL ? [{ name: 'redis', env: { REDIS_URL } }] : []),
];

describe.each(backends)('rate limiting with $name counters', ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ extraRoutes: limitedRoutes, env });
  });
  afterAll(() => t.close());

  it('sends the limit headers on a limited route, remaining counting down', async () => {
    const user = await seedUser(t);
    const before = Date.now();
    const responses = await send(t, 3, { method: 'GET', url: '/api/v1/limited/search', headers: user.auth });
    const after = Date.now();
    expect(statuses(responses)).toEqual([200, 200, 200]);
    expect(responses.map((r) => header(r, 'x-ratelimit-limit'))).toEqual(['30', '30', '30']);
    expect(responses.map((r) => header(r, 'x-ratelimit-remaining'))).toEqual(['29', '28', '27']);
    for (const res of responses) {
      // Epoch seconds when the one-minute window opened by the first request ends.
      const reset = Number(header(res, 'x-ratelimit-reset'));
      expect(Number.isInteger(reset)).toBe(true);
      expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 60);
      expect(reset).toBeLessThanOrEqual(Math.ceil(after / 1000) + 60);
      expect(header(res, 'retry-after')).toBeUndefined();
    }
  });

  it('answers 429 with Retry-After and retry_after in the error envelope once the limit is spent', async () => {
    const user = await seedUser(t);
    const request: InjectOptions = { method: 'GET', url: '/api/v1/limited/search', headers: user.auth };
    const allowed = await send(t, 30, request);
    expect(statuses(allowed).every((s) => s === 200)).toBe(true);
    expect(header(allowed[29]!, 'x-ratelimit-remaining')).toBe('0');

    const refused = await t.app.inject(request);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(header(refused, 'retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(header(refused, 'x-ratelimit-limit')).toBe('30');
    expect(header(refused, 'x-ratelimit-remaining')).toBe('0');
    expect(header(refused, 'x-ratelimit-reset')).toBeDefined();
    expect(refused.json()).toEqual({
      error: {
        code: 'RATE_LIMIT_EXCEEDED',
        message: 'Rate limit exceeded. Please try again later.',
        retry_after: retryAfter,
        request_id: header(refused, 'x-request-id'),
      },
    });
    // Refused requests stay refused.
    expect((await t.app.inject(request)).statusCode).toBe(429);
  });

  it('counts each caller separately: users by id, anonymous callers by IP', async () => {
    const spent = await seedUser(t);
    const other = await seedUser(t, { orgId: spent.orgId });
    const request = (headers: Record<string, string>): InjectOptions => ({
      method: 'GET',
      url: '/api/v1/limited/search',
      headers,
    });
    await send(t, 30, request(spent.auth));
    expect((await t.app.inject(request(spent.auth))).statusCode).toBe(429);

    const res = await t.app.inject(request(other.auth));
    expect(res.statusCode).toBe(200);
    expect(header(res, 'x-ratelimit-remaining')).toBe('29');

    // The same class on a public route: nobody is signed in, so the address is the caller.
    const ip = freshIp();
    const anonymous = await send(t, 31, { method: 'GET', url: '/api/v1/limited/public', remoteAddress: ip });
    expect(header(anonymous[0]!, 'x-ratelimit-remaining')).toBe('29');
    expect(statuses(anonymous).slice(-2)).toEqual([200, 429]);
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: '/api/v1/limited/public',
      remoteAddress: freshIp(),
    });
    expect(elsewhere.statusCode).toBe(200);
    expect(header(elsewhere, 'x-ratelimit-remaining')).toBe('29');
  });

  it('keeps one counter per class, shared by the routes of that class', async () => {
    const user = await seedUser(t);
    await send(t, 20, { method: 'GET', url: '/api/v1/limited/search', headers: user.auth });
    const sameClass = await send(t, 11, {
      method: 'GET',
      url: '/api/v1/limited/search-too',
      headers: user.auth,
    });
    expect(header(sameClass[0]!, 'x-ratelimit-remaining')).toBe('9');
    expect(statuses(sameClass).slice(-2)).toEqual([200, 429]);

    const otherClass = await t.app.inject({
      method: 'GET',
      url: '/api/v1/limited/connection',
      headers: user.auth,
    });
    expect(otherClass.statusCode).toBe(200);
    expect(header(otherClass, 'x-ratelimit-limit')).toBe('50');
    expect(header(otherClass, 'x-ratelimit-remaining')).toBe('49');
  });

  it('limits failed login attempts per account, whatever the address and the email case', async () => {
    const login = (email: string, password: string): InjectOptions => ({
      method: 'POST',
      url: '/api/v1/limited/login',
      payload: { email, password },
      remoteAddress: freshIp(),
    });
    const victim = `${uniqueName('victim')}@example.com`;
    const first = await t.app.inject(login(victim, 'wrong'));
    expect(first.statusCode).toBe(401);
    // The account limit (10 failures per 15 minutes) is tighter than the address limit (20 per minute).
    expect(header(first, 'x-ratelimit-limit')).toBe('10');
    expect(header(first, 'x-ratelimit-remaining')).toBe('9');
    // Successes and server faults are not the caller's failures: they leave the count alone.
    for (const password of ['right', 'fault']) {
      const res = await t.app.inject(login(victim, password));
      expect(res.statusCode).toBe(password === 'right' ? 200 : 500);
      expect(header(res, 'x-ratelimit-remaining')).toBe('9');
    }
    for (let i = 0; i < 9; i++) {
      const res = await t.app.inject(login(i % 2 ? victim.toUpperCase() : ` ${victim}`, 'wrong'));
      expect(res.statusCode).toBe(401);
      expect(header(res, 'x-ratelimit-remaining')).toBe(String(8 - i));
    }
    const refused = await t.app.inject(login(victim, 'right'));
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.retry_after).toBe(Number(header(refused, 'retry-after')));
    expect(Number(header(refused, 'retry-after'))).toBeGreaterThan(60);
    expect((await t.app.inject(login(`${uniqueName('other')}@example.com`, 'wrong'))).statusCode).toBe(401);
  });

  it('limits login attempts per address, whatever the account', async () => {
    const ip = freshIp();
    const attempt = (address: string): InjectOptions => ({
      method: 'POST',
      url: '/api/v1/limited/login',
      payload: { email: `${uniqueName('guess')}@example.com` },
      remoteAddress: address,
    });
    const allowed: LightMyRequestResponse[] = [];
    for (let i = 0; i < 20; i++) allowed.push(await t.app.inject(attempt(ip)));
    expect(statuses(allowed).every((s) => s === 200)).toBe(true);

    const refused = await t.app.inject(attempt(ip));
    expect(refused.statusCode).toBe(429);
    expect(header(refused, 'x-ratelimit-limit')).toBe('20');
    expect(refused.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect((await t.app.inject(attempt(freshIp()))).statusCode).toBe(200);
  });

  it("counts a scope's routes against its class, unless a route declares its own", async () => {
    const user = await seedUser(t);
    await send(t, 29, { method: 'GET', url: '/api/v1/limited/search', headers: user.auth });
    const scoped = await t.app.inject({ method: 'GET', url: '/api/v1/scoped/default', headers: user.auth });
    expect(scoped.statusCode).toBe(200);
    expect(header(scoped, 'x-ratelimit-limit')).toBe('30');
    expect(header(scoped, 'x-ratelimit-remaining')).toBe('0');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/scoped/default', headers: user.auth })).statusCode,
    ).toBe(429);

    const own = await t.app.inject({ method: 'GET', url: '/api/v1/scoped/own', headers: user.auth });
    expect(own.statusCode).toBe(200);
    expect(header(own, 'x-ratelimit-limit')).toBe('50');
    expect(header(own, 'x-ratelimit-remaining')).toBe('49');
    // The scope's class stays in the scope.
    expect(hasLimitHeaders(await t.app.inject({ method: 'GET', url: '/api/v1/unlimited' }))).toBe(false);
  });

  it('sends no rate-limit headers on a route without a limit', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/unlimited' });
    expect(res.statusCode).toBe(200);
    expect(hasLimitHeaders(res)).toBe(false);
  });
});

describe.runIf(REDIS_URL)('rate limiting across processes', () => {
  const prefix = `${uniqueName('sbshared')}:`;
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    // Two processes of one deployment: the same database, the same Redis and key prefix.
    const database = await suiteDatabase();
    const env = { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: prefix };
    one = await testApp({ extraRoutes: limitedRoutes, env, database });
    two = await testApp({ extraRoutes: limitedRoutes, env, database });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it('shares one counter between two app instances on the same Redis', async () => {
    const user = await seedUser(one);
    const request: InjectOptions = { method: 'GET', url: '/api/v1/limited/search', headers: user.auth };
    await send(one, 10, request);
    const fromTwo = await send(two, 20, request);
    expect(header(fromTwo[0]!, 'x-ratelimit-remaining')).toBe('19');
    expect(statuses(fromTwo).every((s) => s === 200)).toBe(true);
    expect((await one.app.inject(request)).statusCode).toBe(429);
    expect((await two.app.inject(request)).statusCode).toBe(429);

    // The counters sit under the deployment's key prefix.
    const raw = new Redis(REDIS_URL!);
    try {
      expect(await raw.keys(`${prefix}ratelimit:search:*`)).toHaveLength(1);
    } finally {
      raw.disconnect();
    }
  });
});

describe('rate limiting when Redis is unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ extraRoutes: limitedRoutes, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(() => t.close());

  it('fails open: requests pass, and the outage is logged once, not per request', async () => {
    const user = await seedUser(t);
    const responses = [
      ...(await send(t, 35, { method: 'GET', url: '/api/v1/limited/public', remoteAddress: freshIp() })),
      ...(await send(t, 5, { method: 'GET', url: '/api/v1/limited/search', headers: user.auth })),
    ];
    expect(statuses(responses).every((s) => s === 200)).toBe(true);
    expect(responses.some(hasLimitHeaders)).toBe(false);
    const warnings = t.logs.lines.filter(
      (line) => line.level === 'warn' && /failing open/.test(String(line.msg)),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ limit: 'search' });
  });
});

describe('rate limiting turned off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ extraRoutes: limitedRoutes, env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
  });
  afterAll(() => t.close());

  it('limits nothing when SWITCHBOARD_RATE_LIMITS=false', async () => {
    const ip = freshIp();
    const searches = await send(t, 35, { method: 'GET', url: '/api/v1/limited/public', remoteAddress: ip });
    const logins = await send(t, 25, {
      method: 'POST',
      url: '/api/v1/limited/login',
      payload: { email: 'someone@example.com' },
      remoteAddress: ip,
    });
    const responses = [...searches, ...logins];
    expect(statuses(responses).every((s) => s === 200)).toBe(true);
    expect(responses.some(hasLimitHeaders)).toBe(false);
  });
});

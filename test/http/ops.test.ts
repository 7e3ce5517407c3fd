import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/env.js';

describe('operations endpoints', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers liveness', async () => {
    t = await testApp();
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { status: 'ok' } });
  });

  it('is ready when the database answers and is migrated', async () => {
    t = await testApp();
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: { status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'not_configured' } },
    });
  });

  it('is not ready, naming the database, when it cannot be reached', async () => {
    t = await testApp();
    await t.ctx.database.close();
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const { error } = res.json();
    expect(error.code).toBe('NOT_READY');
    expect(error.message).toContain('database unreachable');
    expect(error.details.checks.database).toBe('unreachable');
  });

  it('is not ready while migrations are pending', async () => {
    t = await testApp({ migrate: false });
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.details.checks).toMatchObject({
      database: 'ok',
      migrations: 'migrations_pending',
    });
  });

  it('is not ready, naming Redis, when configured Redis is unreachable', async () => {
    t = await testApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).toContain('redis unreachable');
    expect(res.json().error.details.checks).toMatchObject({ database: 'ok', redis: 'unreachable' });
  });

  it.runIf(REDIS_URL)('is ready with a reachable Redis', async () => {
    t = await testApp({ env: { REDIS_URL: REDIS_URL! } });
    await t.ctx.redis!.ping().catch(() => undefined);
    let res = await t.app.inject({ method: 'GET', url: '/readyz' });
    for (let i = 0; i < 50 && res.statusCode !== 200; i++) {
      // The connection is opened in the background; wait for it rather than for a fixed time.
      await new Promise((r) => t!.ctx.redis!.once('ready', r).once('error', r));
      res = await t.app.inject({ method: 'GET', url: '/readyz' });
    }
    expect(res.json().data.checks).toEqual({ database: 'ok', migrations: 'ok', redis: 'ok' });
  });

  it('exports request counts and latency by route and status, plus process metrics', async () => {
    t = await testApp();
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/no/such/route/123' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('http_requests_total{method="GET",route="/healthz",status_code="200"} 2');
    expect(res.body).toContain('http_requests_total{method="GET",route="unmatched",status_code="404"} 1');
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status_code="200"\}/,
    );
    expect(res.body).toContain('process_resident_memory_bytes');
    expect(res.body).not.toContain('/no/such/route/123');
  });

  it('protects metrics with a bearer token when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    t = await testApp({ env: { SWITCHBOARD_METRICS_TOKEN: token } });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('UNAUTHORIZED');
    const ok = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('serves only operations routes on the ops surface (worker processes)', async () => {
    t = await testApp({ surface: 'ops' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(404);
  });
});

/** The widget routes count in their own rate-limit class: 100 a minute per caller, then 429. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

describe('the widget rate-limit class', () => {
  let t: TestApp;
  let user: SeededUser;
  beforeAll(async () => {
    t = await testApp();
    user = await seedUser(t, { role: 'compliance_manager' });
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user.auth });
  const MISSING = '01890000-0000-7000-8000-000000000000';

  it('allows 100 widget requests a minute across the three routes, apart from the integration class', async () => {
    const paths = ['status', 'activity', 'data?entity=users'];
    for (let i = 1; i <= 100; i++) {
      const res = await get(`/integration-connections/${MISSING}/widgets/${paths[i % 3]}`);
      expect([
        i,
        res.statusCode,
        res.headers['x-ratelimit-limit'],
        res.headers['x-ratelimit-remaining'],
      ]).toEqual([i, 404, '100', String(100 - i)]);
    }
    const refused = await get(`/integration-connections/${MISSING}/widgets/status`);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    const other = await get(`/integration-connections/${MISSING}`);
    expect([other.statusCode, other.headers['x-ratelimit-limit']]).toEqual([404, '200']);
  });
});

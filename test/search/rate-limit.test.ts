/** The search routes count in their own rate-limit class: 30 a minute per caller, then 429. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

describe('the search rate-limit class', () => {
  let t: TestApp;
  let user: SeededUser;
  beforeAll(async () => {
    t = await testApp();
    user = await seedUser(t, { role: 'compliance_manager' });
  });
  afterAll(() => t.close());

  const MISSING = '01890000-0000-7000-8000-000000000000';

  it('allows 30 searches a minute across both routes, apart from the other classes', async () => {
    for (let i = 1; i <= 30; i++) {
      const res =
        i % 2 === 0
          ? await t.app.inject({
              method: 'POST',
              url: '/api/v1/integrations/search',
              headers: user.auth,
              payload: { query: 'anything' },
            })
          : await t.app.inject({
              method: 'GET',
              url: `/api/v1/integration-connections/${MISSING}/search?query=anything`,
              headers: user.auth,
            });
      expect([
        i,
        res.statusCode,
        res.headers['x-ratelimit-limit'],
        res.headers['x-ratelimit-remaining'],
      ]).toEqual([i, i % 2 === 0 ? 200 : 404, '30', String(30 - i)]);
    }
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/search',
      headers: user.auth,
      payload: { query: 'anything' },
    });
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    const other = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${MISSING}`,
      headers: user.auth,
    });
    expect([other.statusCode, other.headers['x-ratelimit-limit']]).toEqual([404, '200']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/crypto/tokens.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { suiteDatabase, type TestDatabase } from '../helpers/databases.js';
import { REDIS_URL, uniqueName } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

/** Two API processes on one database and one Redis, as in scale-out. */
describe.runIf(REDIS_URL)('API key revocation across processes', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let admin: SeededUser;
  beforeAll(async () => {
    db = await suiteDatabase();
    const env = { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `${uniqueName('sbtest')}:` };
    a = await testApp({ database: db, env });
    b = await testApp({ database: db, env, migrate: false });
    admin = await seedUser(a);
    // Wait until both processes listen for invalidations (their caches are bypassed until then).
    for (const t of [a, b]) {
      while (!t.app.services.invalidation.reliable) await new Promise((r) => setTimeout(r, 10));
    }
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a key revoked through one process is refused by the other, which had it cached', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.auth,
      payload: { name: 'ci', scopes: ['users:read'] },
    });
    const key = created.json().data;
    const viaB = () =>
      b.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${key.key}` } });
    expect((await viaB()).statusCode).toBe(200);
    expect((await viaB()).statusCode).toBe(200);
    // B now answers from its cache...
    expect(b.app.services.principalCache.get('api_key', sha256Hex(key.key))).toBeDefined();

    const revoked = await a.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${key.id}`,
      headers: admin.auth,
    });
    expect(revoked.statusCode).toBe(204);
    // ...until the invalidation notice arrives over Redis, which is a matter of a round trip.
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) {
      status = (await viaB()).statusCode;
      if (status === 200) await new Promise((r) => setTimeout(r, 5));
    }
    expect(status).toBe(401);
    expect((await viaB()).statusCode).toBe(401);
  });
});

import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { suiteDatabase, type TestDatabase } from '../helpers/databases.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

/**
 * Access follows membership, role, account and session as they are now: each change made through
 * `change` is seen by `check` on the caller's next request. One process (`change` is `check`), or
 * two sharing the database and Redis, where the notice travels over Redis: `check` is polled for a
 * bounded time, until it answers otherwise, and must then keep answering so.
 */
function accessCases(setup: () => Promise<{ change: TestApp; check: TestApp; crossProcess: boolean }>) {
  let change: TestApp;
  let check: TestApp;
  let crossProcess: boolean;
  let admin: SeededUser;
  beforeAll(async () => {
    ({ change, check, crossProcess } = await setup());
    admin = await seedUser(change, { superAdmin: true });
  });

  const call = (
    t: TestApp,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string> = {},
    payload?: object,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  /** The status `check` answers once the change has reached it: at once in one process. */
  const statusAfterChange = async (request: () => Promise<{ statusCode: number }>, before: number) => {
    const deadline = Date.now() + 1_000;
    let status = (await request()).statusCode;
    while (crossProcess && status === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      status = (await request()).statusCode;
    }
    return status;
  };

  /** A member whose session `check` has already cached. */
  const warmMember = async (role: SeededUser['role']) => {
    const member = await seedUser(change, { orgId: admin.orgId, role });
    expect((await call(check, 'GET', '/users', member.auth)).statusCode).toBe(200);
    const sid = String(decodeJwt(member.tokens.access_token).sid);
    expect(check.app.services.principalCache.get('user', sid)).toBeDefined();
    return member;
  };

  it('a removed tenant_admin is refused on the next request, whatever they try', async () => {
    const member = await warmMember('tenant_admin');
    expect((await call(check, 'GET', '/integration-connections', member.auth)).statusCode).toBe(200);

    const removed = await call(change, 'DELETE', `/orgs/${admin.orgId}/members/${member.id}`, admin.auth);
    expect(removed.statusCode).toBe(204);

    const list = () => call(check, 'GET', '/integration-connections', member.auth);
    expect(await statusAfterChange(list, 200)).toBe(401);
    expect((await list()).json().error.code).toBe('UNAUTHORIZED');
    const key = await call(check, 'POST', '/api-keys', member.auth, { name: 'k', scopes: ['users:read'] });
    expect(key.statusCode).toBe(401);
    const invite = await call(check, 'POST', `/orgs/${admin.orgId}/invitations`, member.auth, {
      email: `${uniqueName('x')}@example.com`,
      role: 'tenant_admin',
    });
    expect(invite.statusCode).toBe(401);
    expect(
      await change.ctx.database.db
        .selectFrom('api_keys')
        .select('id')
        .where('created_by', '=', member.id)
        .execute(),
    ).toEqual([]);
  });

  it('a demoted tenant_admin gets 403 on what the new role lacks, and keeps what it has', async () => {
    const member = await warmMember('tenant_admin');
    const demoted = await call(change, 'PATCH', `/orgs/${admin.orgId}/members/${member.id}`, admin.auth, {
      role: 'member',
    });
    expect(demoted.statusCode).toBe(200);

    const list = () => call(check, 'GET', '/integration-connections', member.auth);
    expect(await statusAfterChange(list, 200)).toBe(403);
    const invite = await call(check, 'POST', `/orgs/${admin.orgId}/invitations`, member.auth, {
      email: `${uniqueName('x')}@example.com`,
      role: 'tenant_admin',
    });
    expect(invite.statusCode).toBe(403);
    expect(invite.json().error.details).toEqual({ permission: 'members:manage' });
    const me = await call(check, 'GET', '/auth/me', member.auth);
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toMatchObject({
      role: 'member',
      permissions: ['org:read', 'teams:read', 'users:read'],
    });
  });

  it('a deactivated user is refused on the next request, and so are their API keys', async () => {
    const member = await warmMember('tenant_admin');
    const created = await call(change, 'POST', '/api-keys', member.auth, {
      name: 'ci',
      scopes: ['users:read'],
    });
    expect(created.statusCode).toBe(201);
    const keyAuth = { authorization: `Bearer ${created.json().data.key}` };
    expect((await call(check, 'GET', '/users', keyAuth)).statusCode).toBe(200);

    const status = (is_active: boolean) =>
      call(change, 'PATCH', `/admin/users/${member.id}/status`, admin.auth, { is_active });
    const deactivated = await status(false);
    expect(deactivated.statusCode).toBe(200);
    expect(deactivated.json().data).toMatchObject({ id: member.id, is_active: false });

    const users = () => call(check, 'GET', '/users', member.auth);
    expect(await statusAfterChange(users, 200)).toBe(401);
    // The key never exceeds its creator, who may now do nothing.
    expect((await call(check, 'GET', '/users', keyAuth)).statusCode).toBe(403);
    const refresh = await call(
      check,
      'POST',
      '/auth/refresh',
      {},
      {
        refresh_token: member.tokens.refresh_token,
      },
    );
    expect(refresh.statusCode).toBe(401);
    const login = { email: member.email, password: member.password, org_id: admin.orgId };
    expect((await call(check, 'POST', '/auth/login', {}, login)).statusCode).toBe(401);

    // Reactivated: the ended session stays ended, a new login works, and so does the key.
    expect((await status(true)).statusCode).toBe(200);
    const keyUsers = () => call(check, 'GET', '/users', keyAuth);
    expect(await statusAfterChange(keyUsers, 403)).toBe(200);
    expect((await users()).statusCode).toBe(401);
    const again = await call(check, 'POST', '/auth/login', {}, login);
    expect(again.statusCode).toBe(200);
    const fresh = { authorization: `Bearer ${again.json().data.access_token}` };
    expect((await call(check, 'GET', '/users', fresh)).statusCode).toBe(200);
  });

  it('only a super admin deactivates an account', async () => {
    const member = await seedUser(change, { orgId: admin.orgId, role: 'member' });
    const other = await seedUser(change, { orgId: admin.orgId, role: 'tenant_admin' });
    const res = await call(change, 'PATCH', `/admin/users/${member.id}/status`, other.auth, {
      is_active: false,
    });
    expect(res.statusCode).toBe(403);
    const row = await change.ctx.database.db
      .selectFrom('users')
      .select('is_active')
      .where('id', '=', member.id)
      .executeTakeFirstOrThrow();
    expect(row.is_active).toBe(true);
  });

  it('a logged-out access token is refused on the next request; other logins go on', async () => {
    const member = await warmMember('tenant_admin');
    const otherLogin = await call(
      change,
      'POST',
      '/auth/login',
      {},
      {
        email: member.email,
        password: member.password,
      },
    );
    const otherAuth = { authorization: `Bearer ${otherLogin.json().data.access_token}` };

    const out = await call(
      change,
      'POST',
      '/auth/logout',
      {},
      {
        refresh_token: member.tokens.refresh_token,
      },
    );
    expect(out.statusCode).toBe(204);

    const users = () => call(check, 'GET', '/users', member.auth);
    expect(await statusAfterChange(users, 200)).toBe(401);
    expect((await call(check, 'GET', '/users', otherAuth)).statusCode).toBe(200);
  });

  it('a refreshed token works while the session lives, and the old one with it', async () => {
    const member = await warmMember('member');
    const refreshed = await call(
      change,
      'POST',
      '/auth/refresh',
      {},
      {
        refresh_token: member.tokens.refresh_token,
      },
    );
    expect(refreshed.statusCode).toBe(200);
    const fresh = { authorization: `Bearer ${refreshed.json().data.access_token}` };
    expect((await call(check, 'GET', '/users', fresh)).statusCode).toBe(200);
    expect((await call(check, 'GET', '/users', member.auth)).statusCode).toBe(200);
    // Presenting the rotated refresh token again ends the whole login: both access tokens go.
    const reused = await call(
      change,
      'POST',
      '/auth/refresh',
      {},
      {
        refresh_token: member.tokens.refresh_token,
      },
    );
    expect(reused.statusCode).toBe(401);
    expect(await statusAfterChange(() => call(check, 'GET', '/users', fresh), 200)).toBe(401);
    expect((await call(check, 'GET', '/users', member.auth)).statusCode).toBe(401);
  });
}

describe('access follows membership, in one process', () => {
  let t: TestApp;
  accessCases(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    return { change: t, check: t, crossProcess: false };
  });
  afterAll(() => t.close());
});

/** Two API processes on one PostgreSQL database and one Redis, as in scale-out. */
describe.runIf(DATABASE_URL && REDIS_URL)('access follows membership, across processes', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  accessCases(async () => {
    db = await suiteDatabase();
    const env = {
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: `${uniqueName('sbtest')}:`,
      SWITCHBOARD_RATE_LIMITS: 'false',
    };
    a = await testApp({ database: db, env });
    b = await testApp({ database: db, env, migrate: false });
    // Wait until both processes listen for invalidations (their caches are bypassed until then).
    for (const t of [a, b]) {
      while (!t.app.services.invalidation.reliable) await new Promise((r) => setTimeout(r, 10));
    }
    return { change: a, check: b, crossProcess: true };
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });
});

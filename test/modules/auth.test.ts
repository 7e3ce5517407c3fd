import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACTIVE_REFRESH_TOKENS } from '../../src/modules/auth/sessions.js';
import { sha256Hex } from '../../src/platform/crypto/tokens.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { TEST_JWT_SECRET } from '../helpers/env.js';
import { seedUser } from '../helpers/identity.js';

const password = 'a long enough password';

describe('authentication', () => {
  let t: TestApp;
  const clock = new FakeClock();
  beforeAll(async () => {
    // Rate limits have their own tests; these register and log in far more than a person would.
    t = await testApp({ clock, env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });
  const me = (accessToken: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
  const register = async (email: string, org = 'Acme') => {
    const res = await post('/auth/register', { email, password, name: 'Ada', org_name: org });
    expect(res.statusCode).toBe(201);
    return res.json().data;
  };

  describe('register and login', () => {
    it('registers a user with a new org as its tenant_admin, and the tokens work', async () => {
      const session = await register('Ada@Example.com', 'Acme Corp');
      expect(session).toMatchObject({
        token_type: 'Bearer',
        expires_in: 900,
        user: { email: 'ada@example.com' },
      });
      expect(session.org).toMatchObject({ name: 'Acme Corp', slug: 'acme-corp' });
      const res = await me(session.access_token);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({
        kind: 'user',
        role: 'tenant_admin',
        org: { id: session.org.id },
      });
      expect(res.json().data.permissions).toContain('members:manage');
      const stored = await t.ctx.database.db
        .selectFrom('users')
        .select('password_hash')
        .where('email', '=', 'ada@example.com')
        .executeTakeFirstOrThrow();
      expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('refuses a second account with the same email (any case) with 409', async () => {
      await register('grace@example.com');
      const res = await post('/auth/register', {
        email: 'GRACE@example.com',
        password,
        name: 'G',
        org_name: 'X',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('EMAIL_TAKEN');
    });

    it('names bad registration fields', async () => {
      const res = await post('/auth/register', {
        email: 'not-an-email',
        password: 'short',
        name: '',
        org_name: 'X',
        extra: 1,
      });
      expect(res.statusCode).toBe(400);
      const fields = res
        .json()
        .error.details.fields.map((f: { field: string }) => f.field)
        .sort();
      expect(fields).toEqual(['email', 'extra', 'name', 'password']);
    });

    it('answers an unknown user and a wrong password identically', async () => {
      await register('linus@example.com');
      const unknown = await post('/auth/login', { email: 'nobody@example.com', password });
      const wrong = await post('/auth/login', { email: 'linus@example.com', password: 'wrong password!' });
      expect(unknown.statusCode).toBe(401);
      expect(wrong.statusCode).toBe(401);
      expect(unknown.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(wrong.json().error.message).toBe(unknown.json().error.message);
    });

    it('logs in, records last_login_at, and audits it', async () => {
      const { user } = await register('margaret@example.com');
      const res = await post('/auth/login', { email: 'MARGARET@example.com', password });
      expect(res.statusCode).toBe(200);
      const row = await t.ctx.database.db
        .selectFrom('users')
        .select('last_login_at')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(row.last_login_at).toBe(clock.now().toISOString());
      const audit = await t.ctx.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('actor_id', '=', user.id)
        .execute();
      expect(audit.map((a) => a.action)).toContain('auth.login');
    });
  });

  describe('refresh tokens', () => {
    it('rotates on every use: the old token stops working, the new one works', async () => {
      const first = await register('rot@example.com');
      const second = (await post('/auth/refresh', { refresh_token: first.refresh_token })).json().data;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect((await me(second.access_token)).statusCode).toBe(200);
      const third = await post('/auth/refresh', { refresh_token: second.refresh_token });
      expect(third.statusCode).toBe(200);
    });

    it('revokes the whole family when a rotated token is presented again, and audits it', async () => {
      const first = await register('reuse@example.com');
      const second = (await post('/auth/refresh', { refresh_token: first.refresh_token })).json().data;
      const replay = await post('/auth/refresh', { refresh_token: first.refresh_token });
      expect(replay.statusCode).toBe(401);
      // The legitimate holder's newer token is revoked too.
      expect((await post('/auth/refresh', { refresh_token: second.refresh_token })).statusCode).toBe(401);
      const family = await t.ctx.database.db
        .selectFrom('refresh_tokens')
        .select(['revoked_at', 'revoked_reason'])
        .where('user_id', '=', first.user.id)
        .execute();
      expect(family.every((r) => r.revoked_at !== null)).toBe(true);
      expect(family.map((r) => r.revoked_reason)).toContain('reuse_detected');
      const audit = await t.ctx.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('target_id', 'is not', null)
        .where('actor_id', '=', first.user.id)
        .execute();
      expect(audit.map((a) => a.action)).toContain('auth.refresh_token_reused');
    });

    it(`keeps at most ${MAX_ACTIVE_REFRESH_TOKENS} active per user: the next login revokes the oldest`, async () => {
      const first = await register('cap@example.com');
      const logins = [];
      for (let i = 0; i < MAX_ACTIVE_REFRESH_TOKENS; i++) {
        clock.advance(1000);
        logins.push((await post('/auth/login', { email: 'cap@example.com', password })).json().data);
      }
      const active = await t.ctx.database.db
        .selectFrom('refresh_tokens')
        .select('token_hash')
        .where('user_id', '=', first.user.id)
        .where('revoked_at', 'is', null)
        .execute();
      expect(active).toHaveLength(MAX_ACTIVE_REFRESH_TOKENS);
      expect(active.map((a) => a.token_hash)).not.toContain(sha256Hex(first.refresh_token));
      expect((await post('/auth/refresh', { refresh_token: first.refresh_token })).statusCode).toBe(401);
      expect((await post('/auth/refresh', { refresh_token: logins[0].refresh_token })).statusCode).toBe(200);
    });

    it("answers SESSION_EXPIRED after the org's inactivity timeout", async () => {
      const session = await register('idle@example.com');
      const admin = { authorization: `Bearer ${session.access_token}` };
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/orgs/${session.org.id}`,
        headers: admin,
        payload: { session_timeout_mins: 10 },
      });
      expect(patched.statusCode).toBe(200);
      clock.advance(9 * 60_000);
      const fresh = (await post('/auth/refresh', { refresh_token: session.refresh_token })).json().data;
      clock.advance(10 * 60_000 + 1);
      const res = await post('/auth/refresh', { refresh_token: fresh.refresh_token });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('SESSION_EXPIRED');
    });

    it('logs out: the family is revoked and logout is idempotent', async () => {
      const session = await register('bye@example.com');
      const res = await post('/auth/logout', { refresh_token: session.refresh_token });
      expect(res.statusCode).toBe(204);
      expect((await post('/auth/refresh', { refresh_token: session.refresh_token })).statusCode).toBe(401);
      expect((await post('/auth/logout', { refresh_token: session.refresh_token })).statusCode).toBe(204);
    });

    it('stores refresh tokens hashed, never in clear', async () => {
      const session = await register('hash@example.com');
      const rows = await t.ctx.database.db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('user_id', '=', session.user.id)
        .execute();
      expect(JSON.stringify(rows)).not.toContain(session.refresh_token);
    });
  });

  describe('access tokens', () => {
    let userId: string;
    let orgId: string;
    let sessionId: string;
    beforeAll(async () => {
      const s = await register('jwt@example.com');
      userId = s.user.id;
      orgId = s.org.id;
      const token = await t.ctx.database.db
        .selectFrom('refresh_tokens')
        .select('family_id')
        .where('token_hash', '=', sha256Hex(s.refresh_token))
        .executeTakeFirstOrThrow();
      sessionId = token.family_id;
    });
    const forge = (key: string, claims: Record<string, unknown> = {}, alg = 'HS256') =>
      new SignJWT({ org: orgId, sid: 'sid' in claims ? claims.sid : sessionId })
        .setProtectedHeader({ alg })
        .setSubject(userId)
        .setIssuer(String(claims.iss ?? 'switchboard'))
        .setAudience(String(claims.aud ?? 'switchboard-api'))
        .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
        .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
        .sign(new TextEncoder().encode(key));

    it('accepts a token signed with the configured key (control)', async () => {
      expect((await me(await forge(TEST_JWT_SECRET))).statusCode).toBe(200);
    });

    it.each([
      ['signed with another key', () => forge('another-key-of-sufficient-length-0123456789')],
      ['for another audience', () => forge(TEST_JWT_SECRET, { aud: 'someone-else' })],
      ['from another issuer', () => forge(TEST_JWT_SECRET, { iss: 'evil' })],
      ['with another algorithm (HS512)', () => forge(TEST_JWT_SECRET, {}, 'HS512')],
      [
        'with alg none',
        async () =>
          new UnsecuredJWT({ org: orgId, role: 'tenant_admin', sa: true })
            .setSubject(userId)
            .setIssuer('switchboard')
            .setAudience('switchboard-api')
            .setExpirationTime('10m')
            .encode(),
      ],
      ['without a session', () => forge(TEST_JWT_SECRET, { sid: undefined })],
      ['of a session that does not exist', () => forge(TEST_JWT_SECRET, { sid: 'no-such-login' })],
      ['that is not a JWT at all', async () => 'garbage'],
    ])('refuses a token %s', async (_why, make) => {
      const res = await me(await make());
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    });

    it('refuses an expired token', async () => {
      const session = (await post('/auth/login', { email: 'jwt@example.com', password })).json().data;
      expect((await me(session.access_token)).statusCode).toBe(200);
      clock.advance(901_000);
      const res = await me(session.access_token);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/expired/);
    });

    it('refuses a malformed Authorization header', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: 'Basic abc' },
      });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('organisations', () => {
    it('switches org only to one the user belongs to', async () => {
      const a = await register('multi@example.com', 'First');
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/orgs',
        headers: { authorization: `Bearer ${a.access_token}` },
        payload: { name: 'Second' },
      });
      expect(created.statusCode).toBe(201);
      const second = created.json().data;
      const switched = await post(
        '/auth/switch-org',
        { org_id: second.id },
        { authorization: `Bearer ${a.access_token}` },
      );
      expect(switched.statusCode).toBe(200);
      expect(switched.json().data.org.id).toBe(second.id);
      const mine = (await me(switched.json().data.access_token)).json().data;
      expect(mine.org.id).toBe(second.id);
      expect(mine.orgs.map((o: { name: string }) => o.name)).toEqual(['First', 'Second']);
      const stranger = await seedUser(t);
      const refused = await post(
        '/auth/switch-org',
        { org_id: stranger.orgId },
        { authorization: `Bearer ${a.access_token}` },
      );
      expect(refused.statusCode).toBe(404);
    });
  });
});

describe('limits on signing in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('limits login attempts per account, whatever the address, with the rate-limit headers', async () => {
    const user = await seedUser(t);
    let last = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'wrong password' },
    });
    expect(last.headers['x-ratelimit-limit']).toBeDefined();
    for (let i = 1; i < 10; i++) {
      last = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email.toUpperCase(), password: 'wrong password' },
        remoteAddress: `10.0.0.${i}`,
      });
      expect(last.statusCode).toBe(401);
    }
    // The eleventh try is refused even with the right password, from yet another address.
    const blocked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
      remoteAddress: '10.0.1.1',
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is unaffected.
    const other = await seedUser(t);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: other.email, password: other.password },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('limits workspace creation (CREATE_WORKSPACE, 5 an hour)', async () => {
    const user = await seedUser(t);
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/orgs',
        headers: user.auth,
        payload: { name: `W${i}` },
      });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);
  });
});

describe('registration and refresh cookies, configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({
      env: { SWITCHBOARD_ALLOW_REGISTRATION: 'false', SWITCHBOARD_REFRESH_COOKIE: 'true' },
    });
  });
  afterAll(() => t.close());

  it('refuses registration when disabled', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'x@example.com', password, name: 'X', org_name: 'X' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('REGISTRATION_DISABLED');
  });

  it('sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie, and refreshes from it', async () => {
    const user = await seedUser(t);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^sb_refresh=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: {},
      headers: { cookie },
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().data.refresh_token).not.toBe(login.json().data.refresh_token);
  });
});

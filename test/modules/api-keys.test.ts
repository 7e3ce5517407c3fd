import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleRoutes } from '../../src/app.js';
import { sha256Hex } from '../../src/platform/crypto/tokens.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

const DAY_MS = 86_400_000;

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  expires_at: string;
  created_at: string;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

// Every built-in role holding api_keys:manage holds every permission, so a caller who lacks one is
// modelled by narrowing the signed-in principal, as a future role would.
const narrowing: ModuleRoutes = async (api) => {
  api.addHook('preHandler', async (request) => {
    const drop = request.headers['x-test-drop-permission'];
    if (typeof drop === 'string' && request.principal) {
      request.principal = {
        ...request.principal,
        permissions: new Set([...request.principal.permissions].filter((p) => p !== drop)),
      };
    }
  });
};

describe('API keys', () => {
  let t: TestApp;
  let admin: SeededUser;
  let other: SeededUser;

  async function create(
    user: SeededUser,
    body: { name?: string; scopes: string[]; expires_in_days?: number },
  ): Promise<CreatedKey> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: user.auth,
      payload: { name: 'ci', ...body },
    });
    expect(res.statusCode).toBe(201);
    return res.json().data;
  }

  const get = (url: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers });

  beforeAll(async () => {
    t = await testApp({ extraRoutes: narrowing });
    admin = await seedUser(t, { name: 'Alice Admin' });
    other = await seedUser(t, { name: 'Mallory Other' });
  });
  afterAll(() => t.close());

  describe('happy path', () => {
    it('creates a key shown once, usable within its scopes as a Bearer token', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: admin.auth,
        payload: { name: 'Deploy bot', scopes: ['users:read'] },
      });
      expect(res.statusCode).toBe(201);
      const key: CreatedKey & Record<string, unknown> = res.json().data;
      expect(key.key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      expect(key.prefix).toBe(key.key.slice(0, 11));
      expect(key).toMatchObject({
        name: 'Deploy bot',
        scopes: ['users:read'],
        created_by: admin.id,
        revoked_at: null,
        last_used_at: null,
        usage_count: 0,
      });
      expect(key).not.toHaveProperty('key_hash');
      expect(Date.parse(key.expires_at) - Date.parse(key.created_at)).toBe(365 * DAY_MS);

      const users = await get('/users', bearer(key.key));
      expect(users.statusCode).toBe(200);
      expect(users.json().data.map((u: { id: string }) => u.id)).toEqual([admin.id]);
      const outside = await get('/api-keys', bearer(key.key));
      expect(outside.statusCode).toBe(403);
      expect(outside.json().error).toMatchObject({
        code: 'FORBIDDEN',
        details: { permission: 'api_keys:manage' },
      });
    });

    it('lists keys newest first, never with the key or its hash', async () => {
      const first = await create(admin, { name: 'first', scopes: ['users:read'], expires_in_days: 7 });
      const second = await create(admin, { name: 'second', scopes: ['teams:read'] });
      const res = await get('/api-keys?per_page=2', admin.auth);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.map((k: { id: string }) => k.id)).toEqual([second.id, first.id]);
      expect(body.pagination).toMatchObject({ page: 1, per_page: 2 });
      expect(body.pagination.total).toBeGreaterThanOrEqual(2);
      expect(Object.keys(body.data[0]).sort()).toEqual(
        [
          'id',
          'name',
          'prefix',
          'scopes',
          'created_by',
          'expires_at',
          'revoked_at',
          'last_used_at',
          'usage_count',
          'created_at',
        ].sort(),
      );
      expect(res.body).not.toContain(first.key);
      expect(res.body).not.toContain(sha256Hex(first.key));
      expect(Date.parse(body.data[1].expires_at) - Date.parse(body.data[1].created_at)).toBe(7 * DAY_MS);
    });

    it('records usage_count and last_used_at when usage is flushed', async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      for (let i = 0; i < 3; i++) expect((await get('/users', bearer(key.key))).statusCode).toBe(200);
      await t.app.services.apiKeyUsage.flush();
      const after = await t.ctx.database.db
        .selectFrom('api_keys')
        .select(['usage_count', 'last_used_at'])
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow();
      expect(after.usage_count).toBe(3);
      expect(after.last_used_at).not.toBeNull();
      const listed = (await get('/api-keys?per_page=100', admin.auth)).json().data;
      expect(listed.find((k: { id: string }) => k.id === key.id)).toMatchObject(after);
    });

    it('revokes a key: the next request is refused, revoking again changes nothing', async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      expect((await get('/users', bearer(key.key))).statusCode).toBe(200);
      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${key.id}`,
        headers: admin.auth,
      });
      expect(del.statusCode).toBe(204);
      expect(del.body).toBe('');
      const after = await get('/users', bearer(key.key));
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('UNAUTHORIZED');
      const again = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${key.id}`,
        headers: admin.auth,
      });
      expect(again.statusCode).toBe(204);
      const audits = await t.ctx.database.db
        .selectFrom('audit_log')
        .select(['actor_type', 'actor_id', 'request_id'])
        .where('action', '=', 'api_key.revoked')
        .where('target_id', '=', key.id)
        .execute();
      expect(audits).toEqual([
        { actor_type: 'user', actor_id: admin.id, request_id: del.headers['x-request-id'] },
      ]);
      const listed = (await get('/api-keys?per_page=100', admin.auth)).json().data;
      expect(listed.find((k: { id: string }) => k.id === key.id).revoked_at).not.toBeNull();
    });

    it('rotates a key: the old value is refused at once, the new one works', async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/api-keys/${key.id}/rotate`,
        headers: admin.auth,
      });
      expect(res.statusCode).toBe(200);
      const rotated: CreatedKey = res.json().data;
      expect(rotated).toMatchObject({ id: key.id, scopes: key.scopes, expires_at: key.expires_at });
      expect(rotated.key).not.toBe(key.key);
      expect(rotated.prefix).toBe(rotated.key.slice(0, 11));
      expect((await get('/users', bearer(key.key))).statusCode).toBe(401);
      expect((await get('/users', bearer(rotated.key))).statusCode).toBe(200);
    });

    it("audits every mutation in the caller's name, without the key anywhere", async () => {
      const key = await create(admin, { name: 'audited', scopes: ['users:read'] });
      const rotate = await t.app.inject({
        method: 'POST',
        url: `/api/v1/api-keys/${key.id}/rotate`,
        headers: admin.auth,
      });
      const rotated: CreatedKey = rotate.json().data;
      await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers: admin.auth });
      const entries = await t.ctx.database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('target_type', '=', 'api_key')
        .where('target_id', '=', key.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      expect(entries.map((e) => [e.action, e.org_id, e.actor_id])).toEqual([
        ['api_key.created', admin.orgId, admin.id],
        ['api_key.rotated', admin.orgId, admin.id],
        ['api_key.revoked', admin.orgId, admin.id],
      ]);
      expect(entries[1]!.request_id).toBe(rotate.headers['x-request-id']);
      const stored = JSON.stringify(entries) + t.logs.text();
      for (const secret of [key.key, rotated.key]) {
        expect(stored).not.toContain(secret);
        expect(stored).not.toContain(secret.slice(11));
      }
    });
  });

  describe('security', () => {
    it('stores only a hash, and never logs the key', async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      expect((await get('/users', bearer(key.key))).statusCode).toBe(200);
      expect(t.logs.text()).not.toContain(key.key.slice(11));
      const rows = await t.ctx.database.db.selectFrom('api_keys').selectAll().execute();
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(key.key);
      expect(dump).not.toContain(key.key.slice(11));
      const own = rows.find((r) => r.id === key.id)!;
      expect(own.key_hash).toBe(sha256Hex(key.key));
      expect(own.prefix).toBe(key.prefix);
    });

    it('refuses an expired key with 401, and will not rotate it', async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      await t.ctx.database.db
        .updateTable('api_keys')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', key.id)
        .execute();
      const res = await get('/users', bearer(key.key));
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'UNAUTHORIZED', message: 'API key expired' });
      const rotate = await t.app.inject({
        method: 'POST',
        url: `/api/v1/api-keys/${key.id}/rotate`,
        headers: admin.auth,
      });
      expect(rotate.statusCode).toBe(409);
      expect(rotate.json().error.code).toBe('API_KEY_INACTIVE');
    });

    it('will not rotate a revoked key back to life', async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers: admin.auth });
      const rotate = await t.app.inject({
        method: 'POST',
        url: `/api/v1/api-keys/${key.id}/rotate`,
        headers: admin.auth,
      });
      expect(rotate.statusCode).toBe(409);
      expect(rotate.json().error).toMatchObject({ code: 'API_KEY_INACTIVE', message: 'API key is revoked' });
    });

    it('never exceeds its creator: a creator who loses a permission takes it from the key', async () => {
      const creator = await seedUser(t, { orgId: admin.orgId });
      const key = await create(creator, { scopes: ['audit:read', 'users:read'] });
      expect((await get('/audit-logs', bearer(key.key))).statusCode).toBe(200);
      const demoted = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/orgs/${admin.orgId}/members/${creator.id}`,
        headers: admin.auth,
        payload: { role: 'member' },
      });
      expect(demoted.statusCode).toBe(200);
      const res = await get('/audit-logs', bearer(key.key));
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details).toEqual({ permission: 'audit:read' });
      // What the creator still holds, the key still does.
      expect((await get('/users', bearer(key.key))).statusCode).toBe(200);
    });

    it('refuses scopes the creator may not grant, naming them', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { ...admin.auth, 'x-test-drop-permission': 'webhooks:rotate' },
        payload: { name: 'too much', scopes: ['users:read', 'webhooks:rotate'] },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({
        code: 'FORBIDDEN',
        message: 'You may not grant: webhooks:rotate',
        details: { scopes: ['webhooks:rotate'] },
      });
      const key = await create(admin, { scopes: ['webhooks:rotate'] });
      const rotate = await t.app.inject({
        method: 'POST',
        url: `/api/v1/api-keys/${key.id}/rotate`,
        headers: { ...admin.auth, 'x-test-drop-permission': 'webhooks:rotate' },
      });
      expect(rotate.statusCode).toBe(403);
      expect(rotate.json().error.details).toEqual({ scopes: ['webhooks:rotate'] });
    });

    it('lets an API key list and revoke keys, but never create or rotate one', async () => {
      const manager = await create(admin, { scopes: ['api_keys:manage'] });
      const target = await create(admin, { scopes: ['users:read'] });
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: bearer(manager.key),
        payload: { name: 'child', scopes: ['users:read'] },
      });
      expect(created.statusCode).toBe(403);
      expect(created.json().error.code).toBe('FORBIDDEN');
      const rotate = await t.app.inject({
        method: 'POST',
        url: `/api/v1/api-keys/${target.id}/rotate`,
        headers: bearer(manager.key),
      });
      expect(rotate.statusCode).toBe(403);
      expect((await get('/api-keys', bearer(manager.key))).statusCode).toBe(200);
      const revoke = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${target.id}`,
        headers: bearer(manager.key),
      });
      expect(revoke.statusCode).toBe(204);
      const entry = await t.ctx.database.db
        .selectFrom('audit_log')
        .select(['actor_type', 'actor_id'])
        .where('action', '=', 'api_key.revoked')
        .where('target_id', '=', target.id)
        .executeTakeFirstOrThrow();
      expect(entry).toEqual({ actor_type: 'api_key', actor_id: manager.id });
    });

    it('needs api_keys:manage for every route', async () => {
      const ciso = await seedUser(t, { orgId: admin.orgId, role: 'ciso' });
      const key = await create(admin, { scopes: ['users:read'] });
      const calls = [
        { method: 'GET' as const, url: '/api/v1/api-keys' },
        { method: 'POST' as const, url: '/api/v1/api-keys', payload: { name: 'x', scopes: ['users:read'] } },
        { method: 'DELETE' as const, url: `/api/v1/api-keys/${key.id}` },
        { method: 'POST' as const, url: `/api/v1/api-keys/${key.id}/rotate` },
      ];
      for (const call of calls) {
        expect((await t.app.inject({ ...call, headers: ciso.auth })).statusCode).toBe(403);
        expect((await t.app.inject(call)).statusCode).toBe(401);
      }
    });

    it("answers 404 for another organisation's key, and never lists it", async () => {
      const key = await create(admin, { scopes: ['users:read'] });
      for (const call of [
        { method: 'DELETE' as const, url: `/api/v1/api-keys/${key.id}` },
        { method: 'POST' as const, url: `/api/v1/api-keys/${key.id}/rotate` },
        { method: 'DELETE' as const, url: '/api/v1/api-keys/no-such-key' },
      ]) {
        const res = await t.app.inject({ ...call, headers: other.auth });
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe('API_KEY_NOT_FOUND');
      }
      const listed = await get('/api-keys', other.auth);
      expect(listed.json().data).toEqual([]);
      // The other org's attempts changed nothing.
      expect((await get('/users', bearer(key.key))).statusCode).toBe(200);
    });
  });

  describe('errors', () => {
    it.each([
      [{ name: '', scopes: ['users:read'] }, 'name'],
      [{ name: 'x'.repeat(256), scopes: ['users:read'] }, 'name'],
      [{ scopes: ['users:read'] }, 'name'],
      [{ name: 'k' }, 'scopes'],
      [{ name: 'k', scopes: [] }, 'scopes'],
      [{ name: 'k', scopes: ['users:read', 'users:read'] }, 'scopes'],
      [{ name: 'k', scopes: ['users:read', 'root:everything'] }, 'scopes.1'],
      [{ name: 'k', scopes: ['users:read'], expires_in_days: 0 }, 'expires_in_days'],
      [{ name: 'k', scopes: ['users:read'], expires_in_days: 3651 }, 'expires_in_days'],
      [{ name: 'k', scopes: ['users:read'], expires_in_days: 1.5 }, 'expires_in_days'],
      [{ name: 'k', scopes: ['users:read'], key: 'sk_chosen' }, 'key'],
    ])('refuses %j with 400 naming %s', async (payload, field) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: admin.auth,
        payload,
      });
      expect(res.statusCode).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    });

    it('refuses a page size over the maximum', async () => {
      const res = await get('/api-keys?per_page=101', admin.auth);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.fields[0].field).toBe('per_page');
    });
  });
});

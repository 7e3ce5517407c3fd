import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

describe('users', () => {
  let t: TestApp;
  let admin: SeededUser;
  let other: SeededUser;
  beforeAll(async () => {
    t = await testApp();
    admin = await seedUser(t, { name: 'Alice Admin' });
    await seedUser(t, { orgId: admin.orgId, role: 'ciso', name: 'Carol Ciso' });
    await seedUser(t, { orgId: admin.orgId, role: 'auditor', name: 'Bob Auditor' });
    other = await seedUser(t, { name: 'Mallory Other' });
  });
  afterAll(() => t.close());

  it("lists only the caller's organisation, sorted and filtered", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users?sort=name', headers: admin.auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data.map((u: { name: string }) => u.name)).toEqual([
      'Alice Admin',
      'Bob Auditor',
      'Carol Ciso',
    ]);
    expect(body.pagination).toEqual({ page: 1, per_page: 20, total: 3, total_pages: 1 });
    const ciso = await t.app.inject({ method: 'GET', url: '/api/v1/users?role=ciso', headers: admin.auth });
    expect(ciso.json().data.map((u: { role: string }) => u.role)).toEqual(['ciso']);
    const search = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users?search=BOB',
      headers: admin.auth,
    });
    expect(search.json().data.map((u: { name: string }) => u.name)).toEqual(['Bob Auditor']);
    const wildcard = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users?search=%25',
      headers: admin.auth,
    });
    expect(wildcard.json().data).toEqual([]);
  });

  it("answers 404 for another organisation's user, exactly as for a missing one", async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/users/${other.id}`, headers: admin.auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('USER_NOT_FOUND');
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/users/${admin.id}`, headers: admin.auth });
    expect(own.json().data).toMatchObject({ id: admin.id, email: admin.email, role: 'tenant_admin' });
  });

  it('requires authentication', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
  });

  it('updates your own name and audits the changed fields', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: admin.auth,
      payload: { name: 'Alice A.' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.name).toBe('Alice A.');
    const entry = await t.ctx.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user.updated')
      .where('actor_id', '=', admin.id)
      .executeTakeFirstOrThrow();
    expect(entry.changed_fields).toEqual(['name']);
    expect(entry.request_id).toBe(res.headers['x-request-id']);
  });

  it('changes the password only with the current one, and never logs or audits its value', async () => {
    const without = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: admin.auth,
      payload: { password: 'a brand new password' },
    });
    expect(without.statusCode).toBe(400);
    expect(without.json().error.details.fields[0].field).toBe('current_password');
    const wrong = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: admin.auth,
      payload: { password: 'a brand new password', current_password: 'nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const ok = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: admin.auth,
      payload: { password: 'a brand new password', current_password: admin.password },
    });
    expect(ok.statusCode).toBe(200);
    expect(t.logs.text()).not.toContain('a brand new password');
    const audits = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('changed_fields')
      .where('actor_id', '=', admin.id)
      .execute();
    expect(audits.map((a) => a.changed_fields)).toContainEqual(['password']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/modules/audit/service.js';
import type { Actor } from '../../src/modules/auth/principal.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

const actor = (type: Actor['type'], id: string | null): Actor => ({
  type,
  id,
  name: `${type} ${id}`,
  requestId: `req-${id}`,
  ip: '203.0.113.7',
});

describe('audit logs', () => {
  let t: TestApp;
  let admin: SeededUser;
  let other: SeededUser;

  const list = async (query: string, user: SeededUser = admin) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/audit-logs?${query}`, headers: user.auth });
    expect(res.statusCode).toBe(200);
    return res.json() as { data: { id: string; action: string }[]; pagination: { total: number } };
  };
  const actions = async (query: string) => (await list(query)).data.map((e) => e.action);

  beforeAll(async () => {
    t = await testApp();
    admin = await seedUser(t);
    other = await seedUser(t);
    // A known trail, one minute apart from 10:00 UTC, plus one in another org at the same times.
    const trail: [Actor, string, string, string][] = [
      [actor('user', 'u-1'), 'team.created', 'team', 't-1'],
      [actor('user', 'u-2'), 'team.updated', 'team', 't-1'],
      [actor('api_key', 'k-1'), 'team.deleted', 'team', 't-1'],
      [actor('system', null), 'org.updated', 'org', admin.orgId],
      [actor('user', 'u-1'), 'member.removed', 'user', 'u-2'],
    ];
    for (const [i, [who, action, targetType, targetId]] of trail.entries()) {
      const at = new Date(Date.UTC(2030, 0, 1, 10, i));
      await recordAudit(t.ctx.database.db, who, { orgId: admin.orgId, action, targetType, targetId }, at);
      await recordAudit(
        t.ctx.database.db,
        who,
        { orgId: other.orgId, action: `other.${action}`, targetType, targetId },
        at,
      );
    }
  });
  afterAll(() => t.close());

  it("lists the caller's organisation only, newest first, with every field", async () => {
    const body = await list('');
    expect(body.data.map((e) => e.action)).toEqual([
      'member.removed',
      'org.updated',
      'team.deleted',
      'team.updated',
      'team.created',
    ]);
    expect(body.pagination).toEqual({ page: 1, per_page: 50, total: 5, total_pages: 1 });
    expect(body.data[0]).toEqual({
      id: expect.any(String),
      actor_type: 'user',
      actor_id: 'u-1',
      actor_name: 'user u-1',
      action: 'member.removed',
      target_type: 'user',
      target_id: 'u-2',
      changed_fields: [],
      request_id: 'req-u-1',
      ip: '203.0.113.7',
      created_at: '2030-01-01T10:04:00.000Z',
    });
    expect((await list('', other)).data.every((e) => e.action.startsWith('other.'))).toBe(true);
  });

  it.each([
    ['actor_id=u-1', ['member.removed', 'team.created']],
    ['actor_type=api_key', ['team.deleted']],
    ['actor_type=system', ['org.updated']],
    ['action=team.updated', ['team.updated']],
    ['target_type=team', ['team.deleted', 'team.updated', 'team.created']],
    ['target_type=team&target_id=t-1&actor_type=user', ['team.updated', 'team.created']],
    ['target_id=u-2', ['member.removed']],
    ['action=other.team.created', []],
    ['from=2030-01-01T10:01:00Z&to=2030-01-01T10:03:00Z', ['team.deleted', 'team.updated']],
    ['from=2030-01-01T10:03:00.000Z', ['member.removed', 'org.updated']],
    ['to=2030-01-01T10:01:00Z', ['team.created']],
    // The same instant written with an offset.
    ['from=2030-01-01T12:04:00%2B02:00', ['member.removed']],
  ])('filters by %s', async (query, expected) => {
    expect(await actions(query)).toEqual(expected);
  });

  it('paginates, 50 by default and at most 200', async () => {
    const page = await list('per_page=2&page=2');
    expect(page.data.map((e) => e.action)).toEqual(['team.deleted', 'team.updated']);
    expect(page.pagination).toEqual({ page: 2, per_page: 2, total: 5, total_pages: 3 });
    expect((await list('per_page=200')).data).toHaveLength(5);
    const over = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit-logs?per_page=201',
      headers: admin.auth,
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.details.fields[0].field).toBe('per_page');
  });

  it.each([
    ['from=yesterday', 'from'],
    ['to=2030-01-01', 'to'],
    ['from=2016-12-31T23:59:60Z', 'from'],
    ['from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'to'],
    ['actor_type=robot', 'actor_type'],
    ['actor=u-1', 'actor'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit-logs?${query}`,
      headers: admin.auth,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_ERROR');
    expect(res.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
  });

  it('needs audit:read, from a user or an API key', async () => {
    const ciso = await seedUser(t, { orgId: admin.orgId, role: 'ciso' });
    const refused = await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs', headers: ciso.auth });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toEqual({ permission: 'audit:read' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs' })).statusCode).toBe(401);

    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.auth,
      payload: { name: 'auditor bot', scopes: ['audit:read'] },
    });
    const key = created.json().data;
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit-logs?action=api_key.created&target_id=${key.id}`,
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([
      expect.objectContaining({ actor_type: 'user', actor_id: admin.id, target_type: 'api_key' }),
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

/** An org's pending invitations: listed without their tokens, revoked so that a token opens nothing. */
describe('pending invitations', () => {
  let t: TestApp;
  let admin: SeededUser;
  let other: SeededUser;

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    admin = await seedUser(t);
    other = await seedUser(t);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, as: SeededUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: as.auth, ...(payload ? { payload } : {}) });
  const invite = async (email: string, role = 'member') => {
    const res = await call('POST', `/orgs/${admin.orgId}/invitations`, admin, { email, role });
    expect(res.statusCode).toBe(201);
    return res.json().data as { id: string; token: string };
  };

  it('lists the open ones newest first, never a token; accepted ones leave the list', async () => {
    const first = await invite('first@example.com');
    const second = await invite('second@example.com', 'auditor');
    const accepted = await invite('accepted@example.com');
    const accept = await t.app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${accepted.token}/accept`,
      payload: { name: 'Accepted', password: 'a-long-enough-password-1' },
    });
    expect(accept.statusCode).toBe(200);

    const list = await call('GET', `/orgs/${admin.orgId}/invitations`, admin);
    expect(list.statusCode).toBe(200);
    const data = list.json().data as Record<string, unknown>[];
    expect(data.map((i) => i.id)).toEqual([second.id, first.id]);
    expect(data[0]).toMatchObject({ email: 'second@example.com', role: 'auditor', invited_by: admin.id });
    expect(Object.keys(data[0]!).sort()).toEqual(
      ['created_at', 'email', 'expires_at', 'id', 'invited_by', 'role'].sort(),
    );
    expect(list.body).not.toContain(first.token);
  });

  it('revokes one: gone from the list, its token refused, audited; twice is a 404', async () => {
    const invitation = await invite('revoked@example.com');
    const revoked = await call('DELETE', `/orgs/${admin.orgId}/invitations/${invitation.id}`, admin);
    expect(revoked.statusCode).toBe(204);

    const list = await call('GET', `/orgs/${admin.orgId}/invitations`, admin);
    expect((list.json().data as { id: string }[]).map((i) => i.id)).not.toContain(invitation.id);
    const accept = await t.app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${invitation.token}/accept`,
      payload: { name: 'Too late', password: 'a-long-enough-password-1' },
    });
    expect(accept.statusCode).toBe(404);
    const audit = await call('GET', '/audit-logs?action=invitation.revoked', admin);
    expect(audit.json().data.map((e: { target_id: string }) => e.target_id)).toContain(invitation.id);

    const again = await call('DELETE', `/orgs/${admin.orgId}/invitations/${invitation.id}`, admin);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('INVITATION_NOT_FOUND');
  });

  it('is another org’s business: its invitations are a 404 to revoke, and its list is not ours', async () => {
    const theirs = await call('POST', `/orgs/${other.orgId}/invitations`, other, {
      email: 'theirs@example.com',
      role: 'member',
    });
    const id = theirs.json().data.id as string;
    expect((await call('DELETE', `/orgs/${admin.orgId}/invitations/${id}`, admin)).statusCode).toBe(404);
    const ours = await call('GET', `/orgs/${admin.orgId}/invitations`, admin);
    expect((ours.json().data as { id: string }[]).map((i) => i.id)).not.toContain(id);
    expect((await call('GET', `/orgs/${other.orgId}/invitations`, admin)).statusCode).toBe(404);
  });

  it('needs members:manage', async () => {
    const auditor = await seedUser(t, { orgId: admin.orgId, role: 'auditor' });
    expect((await call('GET', `/orgs/${admin.orgId}/invitations`, auditor)).statusCode).toBe(403);
  });
});

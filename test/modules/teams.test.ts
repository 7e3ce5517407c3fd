import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('teams', () => {
  let t: TestApp;
  let admin: SeededUser;
  let carol: SeededUser;
  let mel: SeededUser;
  let other: SeededUser;

  const call = (method: Method, url: string, as: SeededUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: as.auth, ...(payload ? { payload } : {}) });

  async function create(as: SeededUser, name: string, description?: string): Promise<string> {
    const res = await call('POST', '/teams', as, { name, ...(description ? { description } : {}) });
    expect(res.statusCode).toBe(201);
    return res.json().data.id;
  }

  const auditsOf = (targetId: string) =>
    t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'changed_fields', 'actor_id', 'org_id', 'target_type', 'request_id'])
      .where('target_id', '=', targetId)
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    t = await testApp();
    admin = await seedUser(t, { name: 'Alice Admin' });
    carol = await seedUser(t, { orgId: admin.orgId, role: 'ciso', name: 'Carol Ciso' });
    mel = await seedUser(t, { orgId: admin.orgId, role: 'member', name: 'Mel Member' });
    other = await seedUser(t, { name: 'Mallory Other' });
  });
  afterAll(() => t.close());

  describe('happy paths', () => {
    it("creates a team, stores it in the caller's org and audits it", async () => {
      const res = await call('POST', '/teams', admin, { name: 'Platform', description: 'Runs the platform' });
      expect(res.statusCode).toBe(201);
      const team = res.json().data;
      expect(team).toMatchObject({ name: 'Platform', description: 'Runs the platform', member_count: 0 });
      expect(team.created_at).toMatch(/Z$/);

      const row = await t.ctx.database.db
        .selectFrom('teams')
        .selectAll()
        .where('id', '=', team.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ org_id: admin.orgId, name: 'Platform', description: 'Runs the platform' });
      expect(await auditsOf(team.id)).toEqual([
        {
          action: 'team.created',
          changed_fields: [],
          actor_id: admin.id,
          org_id: admin.orgId,
          target_type: 'team',
          request_id: res.headers['x-request-id'],
        },
      ]);

      const got = await call('GET', `/teams/${team.id}`, mel);
      expect(got.statusCode).toBe(200);
      expect(got.json().data).toEqual({ ...team, members: [] });
    });

    it('updates only what differs and audits the changed field names', async () => {
      const id = await create(admin, 'Ops', 'Operations');
      const renamed = await call('PATCH', `/teams/${id}`, admin, { name: 'SRE', description: 'Operations' });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json().data).toMatchObject({ id, name: 'SRE', description: 'Operations' });

      const cleared = await call('PATCH', `/teams/${id}`, admin, { description: null });
      expect(cleared.json().data.description).toBeNull();

      const unchanged = await call('PATCH', `/teams/${id}`, admin, { name: 'SRE' });
      expect(unchanged.statusCode).toBe(200);

      const row = await t.ctx.database.db
        .selectFrom('teams')
        .select(['name', 'description'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ name: 'SRE', description: null });
      expect((await auditsOf(id)).map((a) => [a.action, a.changed_fields])).toEqual([
        ['team.created', []],
        ['team.updated', ['name']],
        ['team.updated', ['description']],
      ]);
    });

    it('adds members idempotently, lists them with their org role, and removes them', async () => {
      const id = await create(admin, 'Security');
      const added = await call('POST', `/teams/${id}/members/${carol.id}`, admin);
      expect(added.statusCode).toBe(201);
      const member = added.json().data;
      expect(member).toMatchObject({ id: carol.id, email: carol.email, name: 'Carol Ciso', role: 'ciso' });

      const again = await call('POST', `/teams/${id}/members/${carol.id}`, admin);
      expect(again.statusCode).toBe(200);
      expect(again.json().data).toEqual(member);

      expect((await call('POST', `/teams/${id}/members/${admin.id}`, admin)).statusCode).toBe(201);
      const team = (await call('GET', `/teams/${id}`, mel)).json().data;
      expect(team.member_count).toBe(2);
      expect(team.members.map((m: { name: string; role: string }) => [m.name, m.role])).toEqual([
        ['Alice Admin', 'tenant_admin'],
        ['Carol Ciso', 'ciso'],
      ]);

      const removed = await call('DELETE', `/teams/${id}/members/${carol.id}`, admin);
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      const notMember = await call('DELETE', `/teams/${id}/members/${carol.id}`, admin);
      expect(notMember.statusCode).toBe(404);
      expect(notMember.json().error.code).toBe('MEMBER_NOT_FOUND');

      const rows = await t.ctx.database.db
        .selectFrom('team_members')
        .select(['user_id', 'org_id'])
        .where('team_id', '=', id)
        .execute();
      expect(rows).toEqual([{ user_id: admin.id, org_id: admin.orgId }]);
      expect((await auditsOf(id)).map((a) => [a.action, a.changed_fields])).toEqual([
        ['team.created', []],
        ['team.member_added', ['members']],
        ['team.member_added', ['members']],
        ['team.member_removed', ['members']],
      ]);
    });

    it('answers one 201 and one 200 when the same member is added twice at once', async () => {
      const id = await create(admin, 'Racers');
      const statuses = await Promise.all(
        [1, 2].map(async () => (await call('POST', `/teams/${id}/members/${mel.id}`, admin)).statusCode),
      );
      expect(statuses.sort()).toEqual([200, 201]);
      expect((await auditsOf(id)).map((a) => a.action)).toEqual(['team.created', 'team.member_added']);
    });

    it('deletes a team with its memberships, leaving the users in the org', async () => {
      const id = await create(admin, 'Doomed');
      await call('POST', `/teams/${id}/members/${mel.id}`, admin);
      const res = await call('DELETE', `/teams/${id}`, admin);
      expect(res.statusCode).toBe(204);
      expect((await call('GET', `/teams/${id}`, admin)).statusCode).toBe(404);
      const db = t.ctx.database.db;
      expect(
        await db.selectFrom('team_members').select('user_id').where('team_id', '=', id).execute(),
      ).toEqual([]);
      expect((await call('GET', `/users/${mel.id}`, admin)).statusCode).toBe(200);
      expect((await auditsOf(id)).map((a) => a.action)).toEqual([
        'team.created',
        'team.member_added',
        'team.deleted',
      ]);
      expect((await call('DELETE', `/teams/${id}`, admin)).statusCode).toBe(404);
    });
  });

  describe('listing', () => {
    let lead: SeededUser;
    beforeAll(async () => {
      // An org of its own, so the other tests' teams do not show up here.
      lead = await seedUser(t, { name: 'Lead' });
      for (const name of ['Delta', 'Alpha', 'Echo', 'Charlie', 'Bravo', 'Web_Ops']) await create(lead, name);
    });

    it("pages through the caller's org's teams, by name by default", async () => {
      const first = (await call('GET', '/teams?per_page=4', lead)).json();
      expect(first.data.map((x: { name: string }) => x.name)).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta']);
      expect(first.pagination).toEqual({ page: 1, per_page: 4, total: 6, total_pages: 2 });
      const second = (await call('GET', '/teams?per_page=4&page=2', lead)).json();
      expect(second.data.map((x: { name: string }) => x.name)).toEqual(['Echo', 'Web_Ops']);
      const desc = (await call('GET', '/teams?order=desc&per_page=2', lead)).json();
      expect(desc.data.map((x: { name: string }) => x.name)).toEqual(['Web_Ops', 'Echo']);
    });

    it('sorts by creation time', async () => {
      const res = (await call('GET', '/teams?sort=created_at', lead)).json();
      expect(res.data.map((x: { name: string }) => x.name)).toEqual([
        'Delta',
        'Alpha',
        'Echo',
        'Charlie',
        'Bravo',
        'Web_Ops',
      ]);
      const desc = (await call('GET', '/teams?sort=created_at&order=desc&per_page=1', lead)).json();
      expect(desc.data.map((x: { name: string }) => x.name)).toEqual(['Web_Ops']);
    });

    it('searches names case-insensitively, with wildcards taken literally', async () => {
      const names = async (q: string) =>
        (await call('GET', `/teams?search=${q}`, lead)).json().data.map((x: { name: string }) => x.name);
      expect(await names('HA')).toEqual(['Alpha', 'Charlie']);
      expect(await names('_')).toEqual(['Web_Ops']);
      expect(await names('%25')).toEqual([]);
      const res = (await call('GET', '/teams?search=ha&per_page=1', lead)).json();
      expect(res.pagination).toEqual({ page: 1, per_page: 1, total: 2, total_pages: 2 });
    });

    it('counts only members who still belong to the org', async () => {
      const teammate = await seedUser(t, { orgId: lead.orgId, role: 'member', name: 'Teammate' });
      const id = (await call('GET', '/teams?search=Alpha', lead)).json().data[0].id;
      await call('POST', `/teams/${id}/members/${lead.id}`, lead);
      await call('POST', `/teams/${id}/members/${teammate.id}`, lead);
      const before = (await call('GET', '/teams?search=Alpha', lead)).json().data[0];
      expect(before.member_count).toBe(2);

      await t.ctx.database.db
        .deleteFrom('memberships')
        .where('org_id', '=', lead.orgId)
        .where('user_id', '=', teammate.id)
        .execute();
      const after = (await call('GET', '/teams?search=Alpha', lead)).json().data[0];
      expect(after.member_count).toBe(1);
      const detail = (await call('GET', `/teams/${id}`, lead)).json().data;
      expect(detail.members.map((m: { id: string }) => m.id)).toEqual([lead.id]);
      expect(detail.member_count).toBe(1);
    });
  });

  describe('conflicts', () => {
    it('refuses a name the org already uses, on create and on rename, with 409 NAME_TAKEN', async () => {
      const id = await create(admin, 'Infra');
      const dup = await call('POST', '/teams', admin, { name: 'Infra' });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error).toMatchObject({ code: 'NAME_TAKEN', details: { name: 'Infra' } });

      const otherId = await create(admin, 'Data');
      const rename = await call('PATCH', `/teams/${otherId}`, admin, { name: 'Infra' });
      expect(rename.statusCode).toBe(409);
      expect(rename.json().error.code).toBe('NAME_TAKEN');

      const rows = await t.ctx.database.db
        .selectFrom('teams')
        .select('id')
        .where('org_id', '=', admin.orgId)
        .where('name', '=', 'Infra')
        .execute();
      expect(rows).toEqual([{ id }]);
      expect((await auditsOf(otherId)).map((a) => a.action)).toEqual(['team.created']);
    });

    it('lets another org use the same name', async () => {
      await create(admin, 'Shared name');
      await create(other, 'Shared name');
    });

    it('answers one 201 and one 409 when the same name is created twice at once', async () => {
      const statuses = await Promise.all(
        [1, 2].map(async () => (await call('POST', '/teams', admin, { name: 'Race' })).statusCode),
      );
      expect(statuses.sort()).toEqual([201, 409]);
    });
  });

  describe('validation', () => {
    const fieldsOf = (body: { error: { details: { fields: { field: string; message: string }[] } } }) =>
      body.error.details.fields.map((f) => [f.field, f.message]);

    it('names the offending fields with 400', async () => {
      const unknown = await call('POST', '/teams', admin, { name: 'X', colour: 'red' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(unknown.json())).toEqual([['colour', 'is not an allowed field']]);

      const empty = await call('POST', '/teams', admin, { name: '' });
      expect(empty.statusCode).toBe(400);
      expect(fieldsOf(empty.json()).map(([f]) => f)).toEqual(['name']);

      const long = await call('POST', '/teams', admin, { name: 'x'.repeat(256) });
      expect(long.statusCode).toBe(400);
      expect(fieldsOf(long.json()).map(([f]) => f)).toEqual(['name']);
      expect((await call('POST', '/teams', admin, { name: 'x'.repeat(255) })).statusCode).toBe(201);

      const missing = await call('POST', '/teams', admin, { description: 'no name' });
      expect(fieldsOf(missing.json())).toEqual([['name', 'is required']]);
    });

    it('refuses an empty or unknown PATCH and bad list parameters', async () => {
      const id = await create(admin, 'Validated');
      const empty = await call('PATCH', `/teams/${id}`, admin, {});
      expect(empty.statusCode).toBe(400);
      const unknown = await call('PATCH', `/teams/${id}`, admin, { name: 'Y', owner: 'me' });
      expect(fieldsOf(unknown.json())).toEqual([['owner', 'is not an allowed field']]);

      const sort = await call('GET', '/teams?sort=email', admin);
      expect(sort.statusCode).toBe(400);
      expect(fieldsOf(sort.json())).toEqual([['sort', 'must be one of: name, created_at']]);
      const extra = await call('GET', '/teams?color=red', admin);
      expect(fieldsOf(extra.json())).toEqual([['color', 'is not an allowed field']]);
      expect((await call('GET', '/teams?per_page=101', admin)).statusCode).toBe(400);
    });
  });

  describe('access', () => {
    it('requires authentication', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/teams' });
      expect(res.statusCode).toBe(401);
    });

    it('lets every member read teams but only teams:manage change them', async () => {
      const id = await create(admin, 'Guarded');
      const writes: [Method, string, object?][] = [
        ['POST', '/teams', { name: 'Nope' }],
        ['PATCH', `/teams/${id}`, { name: 'Nope' }],
        ['DELETE', `/teams/${id}`],
        ['POST', `/teams/${id}/members/${mel.id}`],
        ['DELETE', `/teams/${id}/members/${mel.id}`],
      ];
      for (const user of [carol, mel]) {
        expect((await call('GET', '/teams', user)).statusCode).toBe(200);
        expect((await call('GET', `/teams/${id}`, user)).statusCode).toBe(200);
        for (const [method, url, payload] of writes) {
          const res = await call(method, url, user, payload);
          expect(res.statusCode, `${user.role} ${method} ${url}`).toBe(403);
          expect(res.json().error).toMatchObject({
            code: 'FORBIDDEN',
            details: { permission: 'teams:manage' },
          });
        }
      }
      const team = (await call('GET', `/teams/${id}`, admin)).json().data;
      expect(team).toMatchObject({ name: 'Guarded', member_count: 0 });
      expect((await auditsOf(id)).map((a) => a.action)).toEqual(['team.created']);
    });
  });

  describe('tenancy', () => {
    it("answers 404 for another org's team exactly as for a missing one, and changes nothing", async () => {
      const theirs = await create(other, 'Theirs');
      await call('POST', `/teams/${theirs}/members/${other.id}`, other);
      for (const id of [theirs, newId()]) {
        const attempts: [Method, string, object?][] = [
          ['GET', `/teams/${id}`],
          ['PATCH', `/teams/${id}`, { name: 'Mine now' }],
          ['DELETE', `/teams/${id}`],
          ['POST', `/teams/${id}/members/${admin.id}`],
          ['DELETE', `/teams/${id}/members/${other.id}`],
        ];
        for (const [method, url, payload] of attempts) {
          const res = await call(method, url, admin, payload);
          expect(res.statusCode, `${method} ${url}`).toBe(404);
          expect(res.json().error.code).toBe('TEAM_NOT_FOUND');
        }
      }
      const theirTeam = (await call('GET', `/teams/${theirs}`, other)).json().data;
      expect(theirTeam).toMatchObject({ name: 'Theirs', member_count: 1 });
      expect((await call('GET', '/teams?search=Theirs', admin)).json().data).toEqual([]);
    });

    it("answers 404 USER_NOT_FOUND for another org's user, exactly as for a missing one", async () => {
      const id = await create(admin, 'Closed shop');
      for (const userId of [other.id, newId()]) {
        const res = await call('POST', `/teams/${id}/members/${userId}`, admin);
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe('USER_NOT_FOUND');
      }
      const rows = await t.ctx.database.db
        .selectFrom('team_members')
        .select('user_id')
        .where('team_id', '=', id)
        .execute();
      expect(rows).toEqual([]);
    });
  });
});

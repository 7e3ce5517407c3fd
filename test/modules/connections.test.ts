import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const MASKED = '***masked***';

const LIST_FIELDS = [
  'id',
  'definition_id',
  'integration_name',
  'integration_slug',
  'integration_category',
  'integration_icon_url',
  'name',
  'description',
  'instance_label',
  'status',
  'health',
  'sync_enabled',
  'sync_interval_mins',
  'last_sync_at',
  'last_sync_status',
  'last_sync_duration_ms',
  'last_sync_stats',
  'last_health_check_at',
  'consecutive_failures',
  'total_runs',
  'successful_runs',
  'failed_runs',
  'success_rate_pct',
  'tags',
  'created_at',
  'updated_at',
];

const DETAIL_FIELDS = [
  'id',
  'definition_id',
  'integration_name',
  'integration_slug',
  'integration_category',
  'capabilities',
  'name',
  'description',
  'instance_label',
  'status',
  'health',
  'config',
  'sync_enabled',
  'sync_interval_mins',
  'sync_cron',
  'sync_timezone',
  'next_sync_at',
  'last_sync_at',
  'last_sync_status',
  'last_sync_error',
  'last_sync_duration_ms',
  'last_sync_stats',
  'last_health_check_at',
  'last_health_error',
  'health_check_interval_mins',
  'consecutive_failures',
  'total_runs',
  'successful_runs',
  'failed_runs',
  'created_by',
  'created_by_name',
  'tags',
  'metadata',
  'created_at',
  'updated_at',
];

const fieldsOf = (body: { error: { details: { fields: { field: string }[] } } }) =>
  body.error.details.fields.map((f) => f.field);

let counter = 0;
/** A secret no other test uses, so finding it anywhere is a leak of that one value. */
const secret = () => `sk-live-${process.pid}-${++counter}-plaintext-secret`;

describe('integration connections', () => {
  const clock = new FakeClock('2026-11-22T12:00:00.000Z');
  let t: TestApp;
  let admin: SeededUser;
  let viewer: SeededUser;
  let engineer: SeededUser;
  let itAdmin: SeededUser;
  let auditor: SeededUser;
  let outsider: SeededUser;
  let demoId: string;

  const call = (method: Method, url: string, as: SeededUser, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: as.auth,
      ...(payload ? { payload } : {}),
    });

  const db = () => t.ctx.database.db;

  const rawRow = (id: string) =>
    db().selectFrom('integration_connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  const auditsOf = (targetId: string) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'changed_fields', 'actor_id', 'org_id'])
      .where('target_id', '=', targetId)
      .orderBy('id')
      .execute();

  async function create(as: SeededUser, payload: Record<string, unknown> = {}) {
    const res = await call('POST', '/integration-connections', as, {
      definition_id: demoId,
      name: `Demo ${++counter}`,
      config: { api_token: secret() },
      ...payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as Record<string, unknown> & { id: string; name: string };
  }

  beforeAll(async () => {
    t = await testApp({ clock, env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    admin = await seedUser(t, { name: 'Alice Admin' });
    viewer = await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' });
    engineer = await seedUser(t, { orgId: admin.orgId, role: 'security_engineer' });
    itAdmin = await seedUser(t, { orgId: admin.orgId, role: 'it_admin' });
    auditor = await seedUser(t, { orgId: admin.orgId, role: 'auditor' });
    outsider = await seedUser(t, { name: 'Other Org Admin' });
    demoId = (
      await db()
        .selectFrom('integration_definitions')
        .select('id')
        .where('slug', '=', 'demo')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('create and read', () => {
    it('creates a pending connection with the spec fields, secrets sealed and masked', async () => {
      const token = secret();
      const res = await call('POST', '/integration-connections', engineer, {
        definition_id: demoId,
        name: 'Demo (Production)',
        description: 'Generated directory',
        instance_label: 'Production',
        config: { api_token: token, domain: 'acme.example', users: 5 },
        sync_interval_mins: 120,
        tags: ['production', 'identity'],
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.body).not.toContain(token);
      const created = res.json().data;
      expect(Object.keys(created).sort()).toEqual([...DETAIL_FIELDS, 'message'].sort());
      expect(created).toMatchObject({
        name: 'Demo (Production)',
        status: 'pending_setup',
        health: 'unknown',
        integration_slug: 'demo',
        integration_name: 'Demo',
        integration_category: 'custom',
        capabilities: ['sync_users', 'sync_resources', 'collect_evidence', 'search'],
        sync_enabled: true,
        sync_interval_mins: 120,
        sync_cron: null,
        health_check_interval_mins: 60,
        next_sync_at: null,
        created_by: engineer.id,
        tags: ['production', 'identity'],
        metadata: {},
        message:
          'Connection created. Use POST /integration-connections/:id/test to validate credentials, then POST /integration-connections/:id/enable to start syncing.',
      });
      // Schema defaults are filled in; the secret reads masked.
      expect(created.config).toEqual({
        api_token: MASKED,
        domain: 'acme.example',
        users: 5,
        seed: 1,
        groups: 10,
        repositories: 25,
        fail_auth: false,
        failure_rate: 0,
        item_failure_rate: 0,
      });

      const row = await rawRow(created.id);
      expect(row.org_id).toBe(admin.orgId);
      expect(row.config).not.toHaveProperty('api_token');
      expect(row.secrets).toMatch(/^v1\.[0-9a-f]{8}\./);
      expect(JSON.stringify(row)).not.toContain(token);

      const detail = await call('GET', `/integration-connections/${created.id}`, viewer);
      expect(detail.statusCode).toBe(200);
      const data = detail.json().data;
      expect(Object.keys(data).sort()).toEqual([...DETAIL_FIELDS].sort());
      expect(data.config.api_token).toBe(MASKED);
      expect(data.created_by_name).toBe(`User ${engineer.email}`);
      expect(detail.body).not.toContain(token);

      expect(await auditsOf(created.id)).toEqual([
        { action: 'connection.created', changed_fields: [], actor_id: engineer.id, org_id: admin.orgId },
      ]);
      expect(t.logs.text()).not.toContain(token);
    });

    it('defaults sync_interval_mins to 360 and accepts a cron expression', async () => {
      const created = await create(admin, { sync_cron: '0 */6 * * *', sync_enabled: false });
      expect(created).toMatchObject({
        sync_interval_mins: 360,
        sync_cron: '0 */6 * * *',
        sync_enabled: false,
        sync_timezone: null,
      });
    });

    it('reads the cron in the connection time zone: next_sync_at is the zone local time, in UTC', async () => {
      const created = await create(admin, { sync_cron: '0 9 * * *', sync_timezone: 'Asia/Tokyo' });
      expect(created.sync_timezone).toBe('Asia/Tokyo');
      await call('POST', `/integration-connections/${created.id}/test`, admin);
      const enabled = await call('POST', `/integration-connections/${created.id}/enable`, admin);
      // 09:00 in Tokyo is 00:00 UTC; the clock starts at 12:00 UTC, so the next one is tomorrow's.
      expect(enabled.json().data.next_sync_at).toMatch(/T00:00:00\.000Z$/);
      const moved = await call('PUT', `/integration-connections/${created.id}`, admin, {
        sync_timezone: 'Europe/Paris',
      });
      expect(moved.json().data.next_sync_at).toMatch(/T08:00:00\.000Z$/);
    });

    it('names every config field that fails the definition schema', async () => {
      const res = await call('POST', '/integration-connections', admin, {
        definition_id: demoId,
        name: 'Broken',
        config: { seed: 'x', users: -1, unknown_field: true },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(fieldsOf(res.json()).sort()).toEqual(
        ['config.api_token', 'config.seed', 'config.unknown_field', 'config.users'].sort(),
      );
    });

    it('refuses a masked value as a new secret', async () => {
      const res = await call('POST', '/integration-connections', admin, {
        definition_id: demoId,
        name: 'Masked',
        config: { api_token: MASKED },
      });
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res.json())).toEqual(['config.api_token']);
    });

    it.each([
      [{ foo: 1 }, 'foo'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(256) }, 'name'],
      [{ sync_interval_mins: 4 }, 'sync_interval_mins'],
      [{ sync_interval_mins: 10081 }, 'sync_interval_mins'],
      [{ health_check_interval_mins: 1441 }, 'health_check_interval_mins'],
      [{ sync_cron: '61 * * * *' }, 'sync_cron'],
      [{ sync_cron: '* * *' }, 'sync_cron'],
      [{ sync_timezone: 'Mars/Olympus' }, 'sync_timezone'],
      [{ definition_id: 'not-a-uuid' }, 'definition_id'],
    ])('refuses %j with a 400 naming the field', async (patch, field) => {
      const res = await call('POST', '/integration-connections', admin, {
        definition_id: demoId,
        name: 'Bad input',
        config: { api_token: 'x' },
        ...patch,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(fieldsOf(res.json())).toContain(field);
    });

    it('answers 404 for an unknown or disabled definition', async () => {
      const unknown = await call('POST', '/integration-connections', admin, {
        definition_id: '0190a000-0000-7000-8000-000000000000',
        name: 'Nowhere',
        config: {},
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('INTEGRATION_NOT_FOUND');

      await db()
        .updateTable('integration_definitions')
        .set({ status: 'disabled' })
        .where('id', '=', demoId)
        .execute();
      try {
        const disabled = await call('POST', '/integration-connections', admin, {
          definition_id: demoId,
          name: 'Disabled',
          config: { api_token: 'x' },
        });
        expect(disabled.statusCode).toBe(404);
      } finally {
        await db()
          .updateTable('integration_definitions')
          .set({ status: 'active' })
          .where('id', '=', demoId)
          .execute();
      }
    });

    it('answers 409 NAME_TAKEN for a name the org already uses, not across orgs', async () => {
      const first = await create(admin, { name: 'Shared name' });
      const again = await call('POST', '/integration-connections', admin, {
        definition_id: demoId,
        name: 'Shared name',
        config: { api_token: 'x' },
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('NAME_TAKEN');
      await create(outsider, { name: 'Shared name' });

      const renamed = await call('PUT', `/integration-connections/${(await create(admin)).id}`, admin, {
        name: first.name,
      });
      expect(renamed.statusCode).toBe(409);
    });
  });

  describe('secrets at rest', () => {
    it('keeps no plaintext secret in the stored row or the database file', async () => {
      const token = secret();
      const created = await create(admin, { config: { api_token: token } });
      await call('PUT', `/integration-connections/${created.id}`, admin, { config: { domain: 'x.example' } });
      await call('POST', `/integration-connections/${created.id}/test`, admin);

      const database = t.ctx.config.database;
      if (database.kind === 'sqlite') {
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db());
        const bytes = fs.readFileSync(database.file);
        expect(bytes.includes(Buffer.from(created.id))).toBe(true);
        expect(bytes.includes(Buffer.from(token))).toBe(false);
      } else {
        const { rows } = await sql<{ row: string }>`
          select c::text as row from integration_connections c where c.id = ${created.id}
        `.execute(db());
        expect(rows[0]?.row).toContain(created.id);
        expect(rows[0]?.row).not.toContain(token);
      }
      expect(JSON.stringify(await rawRow(created.id))).not.toContain(token);
      expect(JSON.stringify(await auditsOf(created.id))).not.toContain(token);
      expect(t.logs.text()).not.toContain(token);
    });

    it("refuses to decrypt a ciphertext copied from another connection's row", async () => {
      const tokenA = secret();
      const a = await create(admin, { config: { api_token: tokenA } });
      const b = await create(admin);
      const { secrets } = await rawRow(a.id);
      await db().updateTable('integration_connections').set({ secrets }).where('id', '=', b.id).execute();

      const res = await call('POST', `/integration-connections/${b.id}/test`, admin);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('CREDENTIALS_UNREADABLE');
      expect(res.body).not.toContain(tokenA);
      const detail = await call('GET', `/integration-connections/${b.id}`, admin);
      expect(detail.json().data.config.api_token).toBe(MASKED);
      expect(detail.body).not.toContain(tokenA);
      expect((await rawRow(b.id)).status).toBe('pending_setup');

      // Sending the secret again repairs it.
      const repaired = await call('PUT', `/integration-connections/${b.id}`, admin, {
        config: { api_token: secret() },
      });
      expect(repaired.statusCode, repaired.body).toBe(200);
      expect(
        (await call('POST', `/integration-connections/${b.id}/test`, admin)).json().data.test_result,
      ).toBe('success');
    });
  });

  describe('update', () => {
    it('merges config, keeps a masked secret, replaces a changed one, audits field names only', async () => {
      const first = secret();
      const created = await create(admin, { config: { api_token: first, users: 3 } });
      const kept = await call('PUT', `/integration-connections/${created.id}`, admin, {
        config: { api_token: MASKED, domain: 'merge.example' },
        description: 'Now described',
      });
      expect(kept.statusCode, kept.body).toBe(200);
      expect(kept.json().data).toMatchObject({
        description: 'Now described',
        config: { api_token: MASKED, domain: 'merge.example', users: 3 },
      });
      const test = await call('POST', `/integration-connections/${created.id}/test`, admin);
      expect(test.json().data.message).toContain('merge.example');

      const second = secret();
      const replaced = await call('PUT', `/integration-connections/${created.id}`, admin, {
        config: { api_token: second },
      });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json().data.config).toMatchObject({
        api_token: MASKED,
        domain: 'merge.example',
        users: 3,
      });
      const row = await rawRow(created.id);
      const opened = t.app.services.secretBox.decrypt(
        row.secrets ?? '',
        `org:${admin.orgId}|connection:${created.id}`,
      );
      expect(JSON.parse(opened)).toEqual({ api_token: second });

      const audits = await auditsOf(created.id);
      expect(audits.filter((a) => a.action === 'connection.updated').map((a) => a.changed_fields)).toEqual([
        ['description', 'config.domain'],
        ['config.api_token'],
      ]);
      expect(JSON.stringify(audits)).not.toContain(second);
    });

    it('re-validates the merged config and writes nothing when nothing changes', async () => {
      const created = await create(admin);
      const bad = await call('PUT', `/integration-connections/${created.id}`, admin, {
        config: { users: 'many' },
      });
      expect(bad.statusCode).toBe(400);
      expect(fieldsOf(bad.json())).toEqual(['config.users']);

      const same = await call('PUT', `/integration-connections/${created.id}`, admin, {
        name: created.name,
        config: { api_token: MASKED },
      });
      expect(same.statusCode).toBe(200);
      expect((await auditsOf(created.id)).map((a) => a.action)).toEqual(['connection.created']);

      const other = await call('PUT', `/integration-connections/${created.id}`, admin, {
        definition_id: '0190a000-0000-7000-8000-000000000000',
      });
      expect(other.statusCode).toBe(400);
      expect(fieldsOf(other.json())).toEqual(['definition_id']);
    });

    it('refuses a config change while a sync runs', async () => {
      const created = await create(admin);
      await db()
        .updateTable('integration_connections')
        .set({ status: 'syncing' })
        .where('id', '=', created.id)
        .execute();
      const res = await call('PUT', `/integration-connections/${created.id}`, admin, {
        config: { users: 9 },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('CONFIG_LOCKED');
      const deleted = await call('DELETE', `/integration-connections/${created.id}`, admin);
      expect(deleted.statusCode).toBe(409);
      expect(deleted.json().error.code).toBe('SYNC_IN_PROGRESS');
    });
  });

  describe('lifecycle', () => {
    it('test → enable → disable → enable, with the spec shapes and stored state', async () => {
      const created = await create(engineer, { sync_interval_mins: 60, health_check_interval_mins: 30 });
      const early = await call('POST', `/integration-connections/${created.id}/enable`, engineer);
      expect(early.statusCode).toBe(422);
      expect(early.json().error.code).toBe('TEST_REQUIRED');

      const test = await call('POST', `/integration-connections/${created.id}/test`, engineer);
      expect(test.statusCode, test.body).toBe(200);
      const now = clock.now().toISOString();
      expect(test.json().data).toMatchObject({
        connection_id: created.id,
        test_result: 'success',
        status: 'configuring',
        health: 'healthy',
        tested_at: now,
        details: { permissions_verified: expect.any(Array), provider_version: '1.0.0' },
      });
      expect(await rawRow(created.id)).toMatchObject({
        status: 'configuring',
        health: 'healthy',
        last_tested_at: now,
        last_test_passed_at: now,
      });

      const enabled = await call('POST', `/integration-connections/${created.id}/enable`, engineer);
      expect(enabled.statusCode).toBe(200);
      expect(enabled.json().data).toEqual({
        id: created.id,
        status: 'connected',
        sync_enabled: true,
        next_sync_at: '2026-11-22T13:00:00.000Z',
        message: 'Connection enabled. First sync scheduled for 2026-11-22T13:00:00.000Z.',
      });
      expect(await rawRow(created.id)).toMatchObject({
        status: 'connected',
        next_health_check_at: '2026-11-22T12:30:00.000Z',
      });

      // A passing test leaves a connected connection connected.
      const retest = await call('POST', `/integration-connections/${created.id}/test`, engineer);
      expect(retest.json().data.status).toBe('connected');

      const disabled = await call('POST', `/integration-connections/${created.id}/disable`, engineer, {
        reason: 'Rotating API credentials',
      });
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json().data).toEqual({
        id: created.id,
        status: 'disabled',
        sync_enabled: false,
        message: 'Connection disabled. Syncs and health checks paused.',
      });
      expect(await rawRow(created.id)).toMatchObject({
        status: 'disabled',
        sync_enabled: false,
        next_sync_at: null,
        disabled_reason: 'Rotating API credentials',
      });

      const blocked = await call('POST', `/integration-connections/${created.id}/test`, engineer);
      expect(blocked.statusCode).toBe(422);
      expect(blocked.json().error.code).toBe('CONNECTION_DISABLED');

      const again = await call('POST', `/integration-connections/${created.id}/enable`, engineer);
      expect(again.json().data.status).toBe('connected');
      expect((await rawRow(created.id)).disabled_reason).toBeNull();

      const audits = await auditsOf(created.id);
      expect(audits.map((a) => a.action)).toEqual([
        'connection.created',
        'connection.tested',
        'connection.enabled',
        'connection.tested',
        'connection.disabled',
        'connection.enabled',
      ]);
      expect(audits[4]?.changed_fields).toEqual(
        expect.arrayContaining(['status', 'sync_enabled', 'disabled_reason']),
      );
    });

    it('schedules by the cron expression in UTC when one is set', async () => {
      const created = await create(admin, { sync_cron: '15 */6 * * *' });
      await call('POST', `/integration-connections/${created.id}/test`, admin);
      const enabled = await call('POST', `/integration-connections/${created.id}/enable`, admin);
      expect(enabled.json().data.next_sync_at).toBe('2026-11-22T12:15:00.000Z');
    });

    it('a failed test answers 200 with the classified error and marks the connection', async () => {
      const created = await create(admin, { config: { api_token: secret(), fail_auth: true } });
      const res = await call('POST', `/integration-connections/${created.id}/test`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({
        connection_id: created.id,
        test_result: 'failed',
        details: { error_type: 'auth_error', http_status: 401, provider_message: 'Invalid API token' },
        status: 'error',
        health: 'unhealthy',
      });
      expect(await rawRow(created.id)).toMatchObject({ status: 'error', last_test_passed_at: null });
      expect((await call('POST', `/integration-connections/${created.id}/enable`, admin)).statusCode).toBe(
        422,
      );

      // Fixed and tested again, an errored connection can be enabled.
      await call('PUT', `/integration-connections/${created.id}`, admin, { config: { fail_auth: false } });
      const passed = await call('POST', `/integration-connections/${created.id}/test`, admin);
      expect(passed.json().data).toMatchObject({
        test_result: 'success',
        status: 'error',
        health: 'healthy',
      });
      const enabled = await call('POST', `/integration-connections/${created.id}/enable`, admin);
      expect(enabled.json().data.status).toBe('connected');
    });

    it('disable takes no body at all', async () => {
      const created = await create(admin);
      const res = await call('POST', `/integration-connections/${created.id}/disable`, admin);
      expect(res.statusCode, res.body).toBe(200);
      expect((await rawRow(created.id)).disabled_reason).toBeNull();
    });

    it('deletes a connection and audits it', async () => {
      const created = await create(admin);
      const res = await call('DELETE', `/integration-connections/${created.id}`, itAdmin);
      expect(res.statusCode).toBe(204);
      expect(
        await db()
          .selectFrom('integration_connections')
          .select('id')
          .where('id', '=', created.id)
          .executeTakeFirst(),
      ).toBeUndefined();
      expect((await auditsOf(created.id)).map((a) => a.action)).toEqual([
        'connection.created',
        'connection.deleted',
      ]);
      expect((await call('GET', `/integration-connections/${created.id}`, admin)).statusCode).toBe(404);
    });
  });

  describe('access', () => {
    it('follows the role matrix', async () => {
      const created = await create(engineer);
      expect((await call('GET', '/integration-connections', viewer)).statusCode).toBe(200);
      expect((await call('GET', `/integration-connections/${created.id}`, viewer)).statusCode).toBe(200);
      const denied = await call('POST', '/integration-connections', viewer, {
        definition_id: demoId,
        name: 'Viewer',
        config: { api_token: 'x' },
      });
      expect(denied.statusCode).toBe(403);
      expect(
        (await call('PUT', `/integration-connections/${created.id}`, viewer, { name: 'y' })).statusCode,
      ).toBe(403);
      expect((await call('POST', `/integration-connections/${created.id}/test`, viewer)).statusCode).toBe(
        403,
      );
      expect((await call('DELETE', `/integration-connections/${created.id}`, engineer)).statusCode).toBe(403);
      expect((await call('GET', '/integration-connections', auditor)).statusCode).toBe(403);
      expect((await call('DELETE', `/integration-connections/${created.id}`, itAdmin)).statusCode).toBe(204);
    });

    it("answers another org's connection exactly like a missing one", async () => {
      const created = await create(admin);
      const missing = '0190a000-0000-7000-8000-000000000000';
      const attempts: [Method, string, object?][] = [
        ['GET', ''],
        ['PUT', '', { name: 'Stolen' }],
        ['DELETE', ''],
        ['POST', '/test'],
        ['POST', '/enable'],
        ['POST', '/disable', { reason: 'x' }],
      ];
      for (const [method, suffix, payload] of attempts) {
        for (const id of [created.id, missing]) {
          const res = await call(method, `/integration-connections/${id}${suffix}`, outsider, payload);
          expect(res.statusCode, `${method} ${suffix}`).toBe(404);
          expect(res.json().error.code).toBe('CONNECTION_NOT_FOUND');
        }
      }
      const list = await call('GET', '/integration-connections?per_page=100', outsider);
      expect(list.json().data.map((c: { id: string }) => c.id)).not.toContain(created.id);
      expect(await rawRow(created.id)).toMatchObject({ name: created.name, status: 'pending_setup' });
    });
  });

  describe('list', () => {
    let org: SeededUser;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      org = await seedUser(t, { name: 'Lister' });
      for (const [name, description] of [
        ['Alpha', 'Primary identity provider'],
        ['Bravo', null],
        ['Charlie', 'Secondary'],
        ['Delta', 'Another PRIMARY one'],
      ] as const) {
        ids[name] = (await create(org, { name, description, tags: [name.toLowerCase()] })).id;
      }
      const set = (name: string, values: Record<string, string | number>) =>
        db()
          .updateTable('integration_connections')
          .set(values)
          .where('id', '=', ids[name] ?? '')
          .execute();
      await set('Alpha', {
        status: 'connected',
        health: 'healthy',
        last_sync_at: '2026-11-20T00:00:00.000Z',
        total_runs: 42,
        successful_runs: 41,
        failed_runs: 1,
      });
      await set('Bravo', { status: 'error', health: 'unhealthy', last_sync_at: '2026-11-21T00:00:00.000Z' });
      await set('Charlie', { status: 'connected', health: 'degraded' });
    });

    const names = async (query: string) => {
      const res = await call('GET', `/integration-connections${query}`, org);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.map((c: { name: string }) => c.name);
    };

    it('answers the spec item shape with integration fields and the success rate', async () => {
      const res = await call('GET', '/integration-connections', org);
      const body = res.json();
      expect(body.pagination).toEqual({ page: 1, per_page: 20, total: 4, total_pages: 1 });
      const alpha = body.data[0];
      expect(Object.keys(alpha).sort()).toEqual([...LIST_FIELDS].sort());
      expect(alpha).toMatchObject({
        name: 'Alpha',
        integration_slug: 'demo',
        integration_name: 'Demo',
        integration_category: 'custom',
        success_rate_pct: 97.6,
        tags: ['alpha'],
      });
      expect(body.data[1].success_rate_pct).toBeNull();
      expect(res.body).not.toContain('api_token');
    });

    it('filters by status, health, definition, category and search', async () => {
      expect(await names('?status=connected')).toEqual(['Alpha', 'Charlie']);
      expect(await names('?health=unhealthy')).toEqual(['Bravo']);
      expect(await names('?health=unknown')).toEqual(['Delta']);
      expect(await names(`?definition_id=${demoId}`)).toHaveLength(4);
      expect(await names('?definition_id=0190a000-0000-7000-8000-000000000000')).toEqual([]);
      expect(await names('?category=custom')).toHaveLength(4);
      expect(await names('?category=identity_access')).toEqual([]);
      expect(await names('?search=primary')).toEqual(['Alpha', 'Delta']);
      expect(await names('?search=brav')).toEqual(['Bravo']);
      expect(await names('?search=%25')).toEqual([]);
    });

    it('sorts and pages', async () => {
      expect(await names('?sort=name&order=desc')).toEqual(['Delta', 'Charlie', 'Bravo', 'Alpha']);
      // Health and status sort in their declared order, not alphabetically.
      expect(await names('?sort=health')).toEqual(['Alpha', 'Charlie', 'Bravo', 'Delta']);
      expect(await names('?sort=status&order=desc')).toEqual(['Bravo', 'Charlie', 'Alpha', 'Delta']);
      // Never-synced connections come last in either order, on both dialects.
      expect((await names('?sort=last_sync_at')).slice(0, 2)).toEqual(['Alpha', 'Bravo']);
      expect((await names('?sort=last_sync_at&order=desc')).slice(0, 2)).toEqual(['Bravo', 'Alpha']);
      const page = await call('GET', '/integration-connections?per_page=3&page=2', org);
      expect(page.json().data.map((c: { name: string }) => c.name)).toEqual(['Delta']);
      expect(page.json().pagination).toEqual({ page: 2, per_page: 3, total: 4, total_pages: 2 });
    });

    it('refuses bad query parameters', async () => {
      for (const query of ['?per_page=101', '?sort=secrets', '?order=up', '?status=broken', '?unknown=1']) {
        expect((await call('GET', `/integration-connections${query}`, org)).statusCode, query).toBe(400);
      }
    });
  });
});

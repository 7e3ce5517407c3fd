import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSecrets } from '../../src/modules/connections/secrets.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

let counter = 0;
/** A secret no other test uses, so finding it anywhere is a leak of that one value. */
const secret = () => `sk-connect-${process.pid}-${++counter}-plaintext-secret`;

describe('connect flows (api key, basic, custom)', () => {
  const clock = new FakeClock('2026-11-22T12:00:00.000Z');
  let t: TestApp;
  let admin: SeededUser;
  let viewer: SeededUser;
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
  const storedSecrets = async (id: string) => {
    const row = await rawRow(id);
    return new ConnectionSecrets(t.app.services.secretBox).open(row.org_id, row.id, row.secrets);
  };

  async function create(config: Record<string, unknown> = {}) {
    const res = await call('POST', '/integration-connections', admin, {
      definition_id: demoId,
      name: `Demo ${++counter}`,
      config: { api_token: secret(), ...config },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id as string;
  }

  beforeAll(async () => {
    t = await testApp({ clock, env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    admin = await seedUser(t);
    viewer = await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' });
    outsider = await seedUser(t);
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

  it('starts with no credential status', async () => {
    const id = await create();
    const res = await call('GET', `/integration-connections/${id}/connection`, viewer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      connection_id: id,
      status: 'none',
      expires_at: null,
      last_validated_at: null,
      validation_error: null,
    });
  });

  it('connects with an API key: sealed into the secret field, tested, active', async () => {
    const id = await create();
    const token = secret();
    const res = await call('POST', `/integration-connections/${id}/connect/api-key`, admin, {
      api_key: token,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain(token);
    const data = res.json().data;
    expect(data).toMatchObject({
      connection_id: id,
      status: 'active',
      validated_at: clock.now().toISOString(),
      validation_error: null,
      test_result: { test_result: 'success' },
    });
    expect(await storedSecrets(id)).toEqual({ api_token: token });
    const row = await rawRow(id);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row).toMatchObject({ status: 'configuring', health: 'healthy', credential_status: 'active' });

    const status = await call('GET', `/integration-connections/${id}/connection`, admin);
    expect(status.json().data).toMatchObject({
      status: 'active',
      last_validated_at: clock.now().toISOString(),
      validation_error: null,
    });

    const audits = await db()
      .selectFrom('audit_log')
      .select(['action', 'changed_fields'])
      .where('target_id', '=', id)
      .orderBy('id')
      .execute();
    expect(audits.map((a) => a.action)).toEqual([
      'connection.created',
      'connection.updated',
      'connection.tested',
      'connection.credentials_validated',
    ]);
    expect(audits[1]?.changed_fields).toEqual(['config.api_token']);
    expect(JSON.stringify(audits)).not.toContain(token);
  });

  it('records a failing credential as error with the validation error', async () => {
    const id = await create({ fail_auth: true });
    const res = await call('POST', `/integration-connections/${id}/connect/api-key`, admin, {
      api_key: secret(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({
      status: 'error',
      validated_at: null,
      test_result: { test_result: 'failed' },
    });
    expect(data.validation_error).toMatch(/Invalid API token/);
    const status = await call('GET', `/integration-connections/${id}/connection`, admin);
    expect(status.json().data).toMatchObject({ status: 'error', validation_error: data.validation_error });
  });

  it('refuses an empty key, naming the field', async () => {
    const id = await create();
    const res = await call('POST', `/integration-connections/${id}/connect/api-key`, admin, { api_key: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('api_key');
  });

  it('refuses flows that do not match the auth type', async () => {
    const id = await create();
    for (const [path, body] of [
      ['basic', { username: 'u', password: 'p' }],
      ['custom', { credentials: { api_token: 'x' } }],
    ] as const) {
      const res = await call('POST', `/integration-connections/${id}/connect/${path}`, admin, body);
      expect(res.statusCode, path).toBe(422);
      expect(res.json().error.code).toBe('AUTH_TYPE_MISMATCH');
      expect(res.json().error.details).toEqual({ auth_type: 'api_key' });
      expect(res.json().error.message).toContain('api_key');
    }
    expect((await rawRow(id)).credential_status).toBe('none');
  });

  it('replaces secret fields with PATCH credentials and tests again', async () => {
    const id = await create({ fail_auth: true });
    const failed = await call('POST', `/integration-connections/${id}/connect/api-key`, admin, {
      api_key: secret(),
    });
    expect(failed.json().data.status).toBe('error');
    expect(
      (await call('PUT', `/integration-connections/${id}`, admin, { config: { fail_auth: false } }))
        .statusCode,
    ).toBe(200);

    const token = secret();
    const res = await call('PATCH', `/integration-connections/${id}/credentials`, admin, {
      credentials: { api_token: token },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ status: 'active', validation_error: null });
    expect(await storedSecrets(id)).toEqual({ api_token: token });

    const notSecret = await call('PATCH', `/integration-connections/${id}/credentials`, admin, {
      credentials: { seed: 3, nope: 'x' },
    });
    expect(notSecret.statusCode).toBe(400);
    expect(notSecret.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual([
      'credentials.seed',
      'credentials.nope',
    ]);
  });

  it('disconnects: secrets deleted, state reset; refused while syncing', async () => {
    const id = await create();
    await call('POST', `/integration-connections/${id}/connect/api-key`, admin, { api_key: secret() });
    expect((await call('POST', `/integration-connections/${id}/enable`, admin)).statusCode).toBe(200);

    await db()
      .updateTable('integration_connections')
      .set({ status: 'syncing' })
      .where('id', '=', id)
      .execute();
    const busy = await call('POST', `/integration-connections/${id}/disconnect`, admin);
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error.code).toBe('SYNC_IN_PROGRESS');
    await db()
      .updateTable('integration_connections')
      .set({ status: 'connected' })
      .where('id', '=', id)
      .execute();

    const res = await call('POST', `/integration-connections/${id}/disconnect`, admin);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      connection_id: id,
      status: 'revoked',
      disconnected_at: clock.now().toISOString(),
      // An API key has no revocation endpoint to call.
      revocation: { status: 'unsupported', error: null },
    });
    const row = await rawRow(id);
    expect(row).toMatchObject({
      secrets: null,
      credential_status: 'revoked',
      status: 'pending_setup',
      health: 'unknown',
      sync_enabled: false,
      next_sync_at: null,
      last_test_passed_at: null,
    });
    const status = await call('GET', `/integration-connections/${id}/connection`, admin);
    expect(status.json().data.status).toBe('revoked');
    // A test is needed again before enabling.
    expect((await call('POST', `/integration-connections/${id}/enable`, admin)).statusCode).toBe(422);
    const audit = await db()
      .selectFrom('audit_log')
      .select('changed_fields')
      .where('target_id', '=', id)
      .where('action', '=', 'connection.disconnected')
      .executeTakeFirstOrThrow();
    expect(audit.changed_fields).toContain('secrets');
  });

  it('hides other orgs connections and refuses roles without connections:update', async () => {
    const id = await create();
    for (const [method, path, body] of [
      ['GET', 'connection', undefined],
      ['POST', 'connect/api-key', { api_key: 'x' }],
      ['PATCH', 'credentials', { credentials: { api_token: 'x' } }],
      ['POST', 'disconnect', undefined],
    ] as const) {
      const res = await call(method, `/integration-connections/${id}/${path}`, outsider, body);
      expect(res.statusCode, path).toBe(404);
    }
    for (const [path, body] of [
      ['connect/api-key', { api_key: 'x' }],
      ['disconnect', undefined],
    ] as const) {
      const res = await call('POST', `/integration-connections/${id}/${path}`, viewer, body);
      expect(res.statusCode, path).toBe(403);
    }
    const patch = await call('PATCH', `/integration-connections/${id}/credentials`, viewer, {
      credentials: { api_token: 'x' },
    });
    expect(patch.statusCode).toBe(403);
    expect((await rawRow(id)).credential_status).toBe('none');
  });
});

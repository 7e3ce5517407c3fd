import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEndpointSecret } from '../../src/modules/webhook-endpoints/secret.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { apiAs, fieldsOf } from './api.js';

const URL_OK = 'https://93.184.216.34/hooks';

describe('webhook endpoints: management through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let call: ReturnType<typeof apiAs>;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({ clock });
    admin = await seedUser(t);
    call = apiAs(t, admin);
  });
  afterAll(() => t.close());

  const create = async (body: object = {}) => {
    const res = await call('POST', '/webhook-endpoints', {
      url: URL_OK,
      name: `E ${Math.random()}`,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; secret: string; name: string };
  };

  it('creates with the secret shown once, stored sealed; reads, lists, changes and deletes with audit', async () => {
    const created = await create({
      event_types: ['sync.run.*', 'connection.created'],
      rate_limit_per_second: 5,
      retry_policy: { max_retries: 2, timeout_ms: 5000 },
      ordered: true,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = await t.ctx.database.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(created.secret);
    expect(openEndpointSecret(t.app.services.secretBox, admin.orgId, created.id, row.secret)).toBe(
      created.secret,
    );

    const got = await call('GET', `/webhook-endpoints/${created.id}`);
    expect(got.json().data).toMatchObject({
      url: URL_OK,
      enabled: true,
      event_types: ['sync.run.*', 'connection.created'],
      rate_limit_per_second: 5,
      retry_policy: { max_retries: 2, timeout_ms: 5000 },
      ordered: true,
      previous_secret_expires_at: null,
    });
    expect(got.body).not.toContain(created.secret);
    const list = await call('GET', '/webhook-endpoints?per_page=1');
    expect(list.json().pagination).toMatchObject({ per_page: 1, total: 1 });
    expect(list.body).not.toContain('whsec_');

    const patched = await call('PATCH', `/webhook-endpoints/${created.id}`, {
      enabled: false,
      event_types: [],
    });
    expect(patched.json().data).toMatchObject({ enabled: false, event_types: [] });
    expect((await call('DELETE', `/webhook-endpoints/${created.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/webhook-endpoints/${created.id}`)).statusCode).toBe(404);
    const actions = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', created.id)
      .orderBy('created_at')
      .execute();
    expect(actions.map((a) => a.action).sort()).toEqual(
      ['webhook_endpoint.created', 'webhook_endpoint.deleted', 'webhook_endpoint.updated'].sort(),
    );
  });

  it('refuses bad input naming the field: url, unknown patterns, retry policy out of bounds, taken names', async () => {
    const bad = await call('POST', '/webhook-endpoints', { url: 'not a url', name: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(['url']);
    const pattern = await call('POST', '/webhook-endpoints', {
      url: URL_OK,
      name: 'y',
      event_types: ['sync.run.*', 'nothing.*'],
    });
    expect(pattern.statusCode).toBe(400);
    expect(fieldsOf(pattern)).toEqual(['event_types[1]']);
    const policy = await call('POST', '/webhook-endpoints', {
      url: URL_OK,
      name: 'z',
      retry_policy: { max_retries: 99 },
    });
    expect(policy.statusCode).toBe(400);
    expect(policy.body).toContain('max_retries');
    const first = await create();
    expect((await call('POST', '/webhook-endpoints', { url: URL_OK, name: first.name })).statusCode).toBe(
      409,
    );
    const patch = await call('PATCH', `/webhook-endpoints/${first.id}`, { event_types: ['nope'] });
    expect(fieldsOf(patch)).toEqual(['event_types[0]']);
  });

  it('rotates the secret: a new one shown once, the previous one kept sealed until the overlap ends', async () => {
    const { id, secret } = await create();
    const rotated = await call('POST', `/webhook-endpoints/${id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret: next, previous_secret_expires_at } = rotated.json().data;
    expect(next).not.toBe(secret);
    expect(previous_secret_expires_at).toBe(new Date(clock.now().getTime() + 24 * 3_600_000).toISOString());
    const row = await t.ctx.database.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const box = t.app.services.secretBox;
    expect(openEndpointSecret(box, admin.orgId, id, row.secret)).toBe(next);
    expect(openEndpointSecret(box, admin.orgId, id, row.previous_secret ?? '')).toBe(secret);

    const short = await call('POST', `/webhook-endpoints/${id}/rotate-secret`, { overlap_hours: 2 });
    expect(short.json().data.previous_secret_expires_at).toBe(
      new Date(clock.now().getTime() + 2 * 3_600_000).toISOString(),
    );
    const none = await call('POST', `/webhook-endpoints/${id}/rotate-secret`, { overlap_hours: 0 });
    expect(none.json().data.previous_secret_expires_at).toBeNull();
    expect(
      (await call('POST', `/webhook-endpoints/${id}/rotate-secret`, { overlap_hours: 169 })).statusCode,
    ).toBe(400);
  });

  it('answers another org’s endpoint as missing, and follows the role matrix’s “Manage webhooks”', async () => {
    const { id } = await create();
    const other = await seedUser(t);
    const as = apiAs(t, other);
    expect((await as('GET', `/webhook-endpoints/${id}`)).statusCode).toBe(404);
    expect((await as('PATCH', `/webhook-endpoints/${id}`, { enabled: false })).statusCode).toBe(404);
    expect((await as('DELETE', `/webhook-endpoints/${id}`)).statusCode).toBe(404);
    expect((await as('POST', `/webhook-endpoints/${id}/test`)).statusCode).toBe(404);
    for (const [role, status] of [
      ['devops_engineer', 201],
      ['security_engineer', 201],
      ['compliance_manager', 403],
      ['auditor', 403],
      ['member', 403],
    ] as const) {
      const user = await seedUser(t, { orgId: admin.orgId, role });
      const res = await apiAs(t, user)('POST', '/webhook-endpoints', {
        url: URL_OK,
        name: `${role} ${Math.random()}`,
      });
      expect([role, res.statusCode]).toEqual([role, status]);
    }
  });

  it('queues a test message for that endpoint only, refused while it is disabled', async () => {
    const { id } = await create({ event_types: ['member.added'] });
    const other = await create();
    const sent = await call('POST', `/webhook-endpoints/${id}/test`);
    expect(sent.statusCode).toBe(202);
    const { message_id } = sent.json().data;
    const messages = await t.ctx.database.db
      .selectFrom('webhook_messages')
      .selectAll()
      .where('endpoint_id', 'in', [id, other.id])
      .execute();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      id: message_id,
      endpoint_id: id,
      event_type: 'webhook.test',
      status: 'pending',
    });
    expect(messages[0]?.payload).toMatchObject({ type: 'webhook.test', data: { endpoint_id: id } });
    const typed = await call('POST', `/webhook-endpoints/${id}/test`, { event_type: 'connection.created' });
    expect(typed.json().data.event_type).toBe('connection.created');
    const unknown = await call('POST', `/webhook-endpoints/${id}/test`, { event_type: 'no.such' });
    expect(fieldsOf(unknown)).toEqual(['event_type']);
    await call('PATCH', `/webhook-endpoints/${id}`, { enabled: false });
    const disabled = await call('POST', `/webhook-endpoints/${id}/test`);
    expect(disabled.statusCode).toBe(409);
    expect(disabled.json().error.code).toBe('WEBHOOK_ENDPOINT_DISABLED');
  });
});

describe('webhook endpoints: targets where private networks are not allowed', () => {
  let t: TestApp;
  let call: ReturnType<typeof apiAs>;

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'false' } });
    call = apiAs(t, await seedUser(t));
  });
  afterAll(() => t.close());

  it('refuses http and addresses the SSRF guard refuses, at creation and at update, naming url', async () => {
    const http = await call('POST', '/webhook-endpoints', { url: 'http://93.184.216.34/h', name: 'a' });
    expect(http.statusCode).toBe(400);
    expect(fieldsOf(http)).toEqual(['url']);
    expect(http.body).toContain('https');
    for (const url of ['https://127.0.0.1/h', 'https://10.0.0.5/h', 'https://169.254.169.254/latest']) {
      const res = await call('POST', '/webhook-endpoints', { url, name: url });
      expect([url, res.statusCode, fieldsOf(res)]).toEqual([url, 400, ['url']]);
    }
    const ok = await call('POST', '/webhook-endpoints', { url: URL_OK, name: 'public' });
    expect(ok.statusCode).toBe(201);
    const patch = await call('PATCH', `/webhook-endpoints/${ok.json().data.id}`, {
      url: 'https://192.168.1.1/x',
    });
    expect(fieldsOf(patch)).toEqual(['url']);
    const stored = await call('GET', `/webhook-endpoints/${ok.json().data.id}`);
    expect(stored.json().data.url).toBe(URL_OK);
  });
});

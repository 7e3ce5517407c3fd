import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorDefinition, WebhookEffect } from '../../src/connectors/sdk.js';
import { ProviderError } from '../../src/connectors/sdk.js';
import { hmacScheme } from '../../src/modules/webhooks/schemes/hmac.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

const definition: ConnectorDefinition = {
  slug: 'hooked',
  name: 'Hooked',
  provider: 'hooked',
  category: 'custom',
  shortDescription: 'Receives webhooks in tests.',
  description: 'A test connector whose webhook handler returns the effects a test scripted.',
  iconUrl: 'https://example.com/icon.svg',
  authType: 'none',
  configSchema: { type: 'object', properties: {} },
  capabilities: ['receive_webhooks'],
  entities: [{ name: 'items', description: 'Items' }],
  version: '1.0.0',
  tags: ['test'],
};

/** What the handler does with the next events: effects, or an error to throw. */
const script: (WebhookEffect[] | Error)[] = [];
const handled: string[] = [];

const hooked: Connector = {
  definition,
  test: async () => ({ ok: true, message: 'Connected', details: {} }),
  webhooks: {
    scheme: { ...hmacScheme('X-Hooked-Signature', 'sha256'), name: 'hooked' },
    handle: async (event) => {
      handled.push(event.id);
      const next = script.shift() ?? [];
      if (next instanceof Error) throw next;
      return next;
    },
  },
};

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

describe('inbound webhooks through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({
      connectors: [hooked],
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: {
        ...SYNC_TEST_ENV,
        SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example.com',
        SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS: '2',
        SWITCHBOARD_WEBHOOK_MAX_BYTES: '2048',
      },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  afterAll(() => t.close());

  const processed = () => t.app.services.webhookProcessor.idle();

  async function webhook(body: Record<string, unknown> = {}) {
    const connection = await h.connected('hooked', {});
    const res = await h.call('POST', `/integration-connections/${connection}/webhooks`, {
      name: `Hook ${Math.random()}`,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json().data as { id: string; webhook_secret: string; webhook_url: string };
    return { connection, ...created };
  }

  function deliver(id: string, body: string, headers: Record<string, string> = {}) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/receive/${id}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: body,
    });
  }

  const signed = (secret: string, body: string, headers: Record<string, string> = {}) => ({
    'x-hooked-signature': `sha256=${sign(secret, body)}`,
    ...headers,
  });

  it('creates a webhook with its secret shown once, lists and reads it without the secret', async () => {
    const { connection, id, webhook_secret, webhook_url } = await webhook({ event_types: ['push'] });
    expect(webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook_url).toBe(`https://switchboard.example.com/api/v1/webhooks/receive/${id}`);
    const list = await h.call('GET', `/integration-connections/${connection}/webhooks`);
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([
      expect.objectContaining({
        id,
        scheme: 'hooked',
        status: 'active',
        event_types: ['push'],
        signature_header: 'X-Hooked-Signature',
        signature_algo: 'sha256',
        total_received: 0,
        total_processed: 0,
        total_failed: 0,
        last_received_at: null,
        last_error: null,
      }),
    ]);
    expect(list.body).not.toContain(webhook_secret);
    const taken = await h.call('POST', `/integration-connections/${connection}/webhooks`, {
      name: list.json().data[0].name,
    });
    expect(taken.statusCode).toBe(409);
    const generic = await h.call('POST', `/integration-connections/${connection}/webhooks`, {
      name: 'Generic',
      scheme: 'hmac',
    });
    expect(generic.json().data).toMatchObject({ scheme: 'hmac', signature_header: 'X-Webhook-Signature' });
    const unknown = await h.call('POST', `/integration-connections/${connection}/webhooks`, {
      name: 'Unknown',
      scheme: 'github',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.fields[0].field).toBe('scheme');
  });

  it('acknowledges a signed event only once stored, then processes it: records upserted, counters exact', async () => {
    const { connection, id, webhook_secret } = await webhook();
    script.push([
      { kind: 'upsert', entity: 'items', records: [{ id: 'i-1', data: { id: 'i-1', name: 'One' } }] },
    ]);
    const body = JSON.stringify({ type: 'item.created', item: 'i-1' });
    const res = await deliver(id, body, signed(webhook_secret, body, { 'idempotency-key': 'd-1' }));
    expect(res.statusCode, res.body).toBe(200);
    const { status, event_id } = res.json();
    expect(status).toBe('accepted');
    await processed();
    const event = await h.call(
      'GET',
      `/integration-connections/${connection}/webhooks/${id}/events/${event_id}`,
    );
    expect(event.json().data).toMatchObject({
      id: event_id,
      status: 'processed',
      event_type: 'item.created',
      delivery_id: 'd-1',
      attempts: 1,
      payload: { type: 'item.created', item: 'i-1' },
    });
    expect(event.json().data.headers['x-hooked-signature']).toBe('[redacted]');
    expect(await h.entityCounts(connection)).toEqual({ items: 1 });
    const hook = await h.call('GET', `/integration-connections/${connection}/webhooks/${id}`);
    expect(hook.json().data).toMatchObject({ total_received: 1, total_processed: 1, total_failed: 0 });
    expect(hook.json().data.last_received_at).toBe(clock.now().toISOString());

    // The provider retries the same delivery: acknowledged, recorded, not processed again.
    const again = await deliver(id, body, signed(webhook_secret, body, { 'idempotency-key': 'd-1' }));
    expect(again.json().status).toBe('duplicate');
    await processed();
    expect(handled.filter((e) => e === event_id)).toHaveLength(1);
    const events = await h.call('GET', `/integration-connections/${connection}/webhooks/${id}/events`);
    expect(events.json().data.map((e: { status: string }) => e.status)).toEqual(['duplicate', 'processed']);

    const outbox = await h.call('GET', '/events?type=webhook.received');
    expect(outbox.json().data.map((e: { payload: { event_id: string } }) => e.payload.event_id)).toContain(
      event_id,
    );
  });

  it('refuses bad signatures (401, noted as last_error), bad bodies (400), large ones (413), unknown ids (404)', async () => {
    const { connection, id, webhook_secret } = await webhook();
    const body = JSON.stringify({ type: 'x' });
    const wrong = await deliver(id, body, signed('whsec_not-the-secret', body));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const missing = await deliver(id, body);
    expect(missing.statusCode).toBe(401);
    const tampered = await deliver(id, `${body} `, signed(webhook_secret, body));
    expect(tampered.statusCode).toBe(401);
    const notJson = await deliver(id, 'not json', signed(webhook_secret, 'not json'));
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('WEBHOOK_PAYLOAD_INVALID');
    const large = JSON.stringify({ type: 'x', pad: 'x'.repeat(4096) });
    expect((await deliver(id, large, signed(webhook_secret, large))).statusCode).toBe(413);
    expect((await deliver('0190a1b2-0000-7000-8000-000000000000', body)).statusCode).toBe(404);
    const hook = await h.call('GET', `/integration-connections/${connection}/webhooks/${id}`);
    expect(hook.json().data.total_received).toBe(0);
    expect(hook.json().data.last_error).toMatch(/^Refused a delivery: /);
  });

  it('records a type outside event_types as ignored, and answers 410 while paused', async () => {
    const { connection, id, webhook_secret } = await webhook({ event_types: ['wanted'] });
    const body = JSON.stringify({ type: 'unwanted' });
    const res = await deliver(id, body, signed(webhook_secret, body));
    expect(res.json().status).toBe('ignored');
    await processed();
    expect(handled).not.toContain(res.json().event_id);
    const paused = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/integration-connections/${connection}/webhooks/${id}`,
      headers: admin.auth,
      payload: { status: 'inactive' },
    });
    expect(paused.statusCode, paused.body).toBe(200);
    expect((await deliver(id, body, signed(webhook_secret, body))).statusCode).toBe(410);
  });

  it('refuses the old secret at once after a rotation', async () => {
    const { connection, id, webhook_secret } = await webhook();
    const rotated = await h.call(
      'POST',
      `/integration-connections/${connection}/webhooks/${id}/rotate-secret`,
    );
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = rotated.json().data.webhook_secret as string;
    expect(fresh).not.toBe(webhook_secret);
    const body = JSON.stringify({ type: 'x' });
    expect((await deliver(id, body, signed(webhook_secret, body))).statusCode).toBe(401);
    expect((await deliver(id, body, signed(fresh, body))).statusCode).toBe(200);
    await processed();
  });

  it('answers 429 with Retry-After beyond the webhook’s rate', async () => {
    const { id, webhook_secret } = await webhook({ rate_limit_per_minute: 2 });
    const body = JSON.stringify({ type: 'x' });
    for (let i = 0; i < 2; i++)
      expect((await deliver(id, body, signed(webhook_secret, body))).statusCode).toBe(200);
    const limited = await deliver(id, body, signed(webhook_secret, body));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await processed();
  });

  it('retries a failing event with backoff, ends it failed with its error, and replays it', async () => {
    const { connection, id, webhook_secret } = await webhook();
    script.push(
      new ProviderError('transient', 'provider down'),
      new ProviderError('transient', 'still down'),
    );
    const body = JSON.stringify({ type: 'x' });
    const { event_id } = (await deliver(id, body, signed(webhook_secret, body))).json();
    await processed();
    const url = `/integration-connections/${connection}/webhooks/${id}/events/${event_id}`;
    let event = (await h.call('GET', url)).json().data;
    expect(event).toMatchObject({ status: 'accepted', attempts: 1, error: 'provider down' });
    expect(Date.parse(event.next_attempt_at)).toBeGreaterThan(clock.now().getTime());
    clock.advance(60_000);
    t.app.services.webhookProcessor.wake();
    await processed();
    event = (await h.call('GET', url)).json().data;
    expect(event).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: 'still down',
      next_attempt_at: null,
    });
    const hook = (await h.call('GET', `/integration-connections/${connection}/webhooks/${id}`)).json().data;
    expect(hook).toMatchObject({ total_failed: 1, last_error: 'still down' });

    const replay = await h.call('POST', `${url}/replay`);
    expect(replay.statusCode, replay.body).toBe(202);
    await processed();
    expect((await h.call('GET', url)).json().data).toMatchObject({
      status: 'processed',
      attempts: 1,
      error: null,
    });
  });

  it('queues an incremental run with trigger webhook when an event asks for a sync', async () => {
    const { connection, id, webhook_secret } = await webhook();
    script.push([{ kind: 'sync' }]);
    const body = JSON.stringify({ type: 'x' });
    expect((await deliver(id, body, signed(webhook_secret, body))).statusCode).toBe(200);
    await processed();
    const runs = await h.call('GET', `/integration-connections/${connection}/runs?trigger=webhook`);
    expect(runs.json().data).toHaveLength(1);
    expect(runs.json().data[0]).toMatchObject({ trigger: 'webhook', full_sync: false });
  });

  it('hides another org’s webhooks, keeps rotation to it_admin and ciso, and deletes with the connection', async () => {
    const { connection, id, webhook_secret } = await webhook();
    const stranger = await seedUser(t);
    const hidden = await syncHarness(t, stranger).call(
      'GET',
      `/integration-connections/${connection}/webhooks/${id}`,
    );
    expect(hidden.statusCode).toBe(404);
    const devops = await seedUser(t, { orgId: admin.orgId, role: 'devops_engineer' });
    const dh = syncHarness(t, devops);
    expect((await dh.call('GET', `/integration-connections/${connection}/webhooks`)).statusCode).toBe(200);
    expect(
      (await dh.call('POST', `/integration-connections/${connection}/webhooks/${id}/rotate-secret`))
        .statusCode,
    ).toBe(403);
    const viewer = await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' });
    expect(
      (await syncHarness(t, viewer).call('GET', `/integration-connections/${connection}/webhooks`))
        .statusCode,
    ).toBe(403);
    expect((await h.call('DELETE', `/integration-connections/${connection}`)).statusCode).toBe(204);
    const body = JSON.stringify({ type: 'x' });
    expect((await deliver(id, body, signed(webhook_secret, body))).statusCode).toBe(404);
  });
});

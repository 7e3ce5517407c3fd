import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryMetrics } from '../../src/modules/webhook-endpoints/delivery-metrics.js';
import { WebhookDispatcher } from '../../src/modules/webhook-endpoints/dispatcher.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { seedOrg } from '../helpers/identity.js';
import {
  attemptRows,
  createEndpoint,
  endpointRow,
  messageRow,
  newSecret,
  queueMessage,
} from './delivery-fixtures.js';
import { type Receiver, startReceiver } from './delivery-receiver.js';

const DAY_MS = 86_400_000;

describe('delivering outbound webhooks', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let receiver: Receiver;
  let orgId: string;
  /** Secrets the receiver verifies each delivery with, in order. */
  let secrets: string[] = [];

  beforeAll(async () => {
    t = await testApp({ clock });
    receiver = await startReceiver(() => secrets);
    orgId = (await seedOrg(t)).id;
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });
  beforeEach(async () => {
    // Each test sees its own messages only: what an earlier one left due is gone.
    await t.ctx.database.db.deleteFrom('webhook_messages').execute();
    receiver.reset();
    secrets = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * The verifiers refuse a `webhook-timestamp` more than 5 minutes from their own Date, and earlier
   * tests moved the fake clock ahead: their Date follows it for this test.
   */
  const verifyAtClockTime = () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(clock.now());
  };

  const drain = () => t.app.services.webhookDispatcher.drain();

  async function endpoint(options: Parameters<typeof createEndpoint>[3] = {}, path = '/hook') {
    const created = await createEndpoint(t, orgId, `${receiver.url}${path}`, options);
    secrets = [created.secret];
    return created;
  }

  it('POSTs the payload signed, and records a succeeded message and its attempt', async () => {
    verifyAtClockTime();
    const { id } = await endpoint();
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 204 });
    expect(await drain()).toBe(1);

    const [got] = receiver.received;
    expect(got?.path).toBe('/hook');
    expect(got?.verified).toEqual([{ standard: true, svix: true }]);
    expect(got?.headers['webhook-id']).toBe(messageId);
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['user-agent']).toMatch(/^Switchboard-Webhooks\//);
    expect(got?.headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(got?.body ?? '')).toMatchObject({
      type: 'connection.created',
      data: { org_id: orgId },
    });

    const message = await messageRow(t, messageId);
    expect(message).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      last_status_code: 204,
      next_attempt_at: null,
    });
    expect(message.delivered_at).toBe(clock.now().toISOString());
    const attempts = await attemptRows(t, messageId);
    expect(attempts).toMatchObject([
      { attempt: 1, status_code: 204, error: null, url: `${receiver.url}/hook` },
    ]);
  });

  it('keeps the first 20 KB of an answer', async () => {
    const { id } = await endpoint();
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 200, body: 'x'.repeat(50_000) });
    await drain();
    const [attempt] = await attemptRows(t, messageId);
    expect(attempt?.response_body).toHaveLength(20 * 1024);
  });

  it('retries a failure with exponential backoff until it succeeds, with the same webhook-id', async () => {
    const { id } = await endpoint();
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 500, body: 'boom' }, { status: 502 });

    await drain();
    let message = await messageRow(t, messageId);
    expect(message).toMatchObject({ status: 'retrying', attempts: 1, last_status_code: 500 });
    // WEBHOOK_RETRY_DELAY 1000 ms, with jitter between half and all of it.
    const firstDelay = Date.parse(message.next_attempt_at ?? '') - clock.now().getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(500);
    expect(firstDelay).toBeLessThanOrEqual(1000);
    expect((await endpointRow(t, id)).failing_since).toBe(clock.now().toISOString());

    // Not due yet: nothing is sent.
    expect(await drain()).toBe(0);
    clock.advance(1000);
    await drain();
    message = await messageRow(t, messageId);
    expect(message).toMatchObject({ status: 'retrying', attempts: 2, last_status_code: 502 });
    // The second wait is the delay times WEBHOOK_BACKOFF_FACTOR 2.
    const secondDelay = Date.parse(message.next_attempt_at ?? '') - clock.now().getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(1000);
    expect(secondDelay).toBeLessThanOrEqual(2000);

    clock.advance(2000);
    await drain();
    expect(await messageRow(t, messageId)).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId, messageId]);
    expect((await attemptRows(t, messageId)).map((a) => [a.attempt, a.status_code, a.response_body])).toEqual(
      [
        [1, 500, 'boom'],
        [2, 502, ''],
        [3, 200, 'ok'],
      ],
    );
    // A success ends the endpoint's failing streak.
    expect((await endpointRow(t, id)).failing_since).toBeNull();
  });

  it('fails a message for good once its retries are spent (the endpoint policy overrides the default)', async () => {
    const { id } = await endpoint({ retry_policy: { max_retries: 1, retry_delay_ms: 100 } });
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    await drain();
    clock.advance(100);
    await drain();
    expect(await messageRow(t, messageId)).toMatchObject({
      status: 'failed',
      attempts: 2,
      next_attempt_at: null,
      last_error: 'answered 500',
    });
    clock.advance(60_000);
    expect(await drain()).toBe(0);
    expect(receiver.received).toHaveLength(2);
    // One failed message does not disable the endpoint.
    expect((await endpointRow(t, id)).enabled).toBe(true);
  });

  it('disables the endpoint on 410 Gone and emits webhook_endpoint.disabled', async () => {
    const { id } = await endpoint();
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 410 });
    await drain();
    expect(await messageRow(t, messageId)).toMatchObject({ status: 'failed', last_status_code: 410 });
    const row = await endpointRow(t, id);
    expect(row.enabled).toBe(false);
    expect(row.disabled_reason).toBe('The endpoint answered 410 Gone');
    const events = await t.ctx.database.db
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', id)
      .execute();
    expect(events).toMatchObject([
      { type: 'webhook_endpoint.disabled', subject_type: 'webhook_endpoint', org_id: orgId },
    ]);
    expect(events[0]?.payload).toEqual({ name: row.name, reason: 'The endpoint answered 410 Gone' });
    // A disabled endpoint gets nothing more: a later message waits.
    const waiting = await queueMessage(t, orgId, id);
    expect(await drain()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(await messageRow(t, waiting)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('disables an endpoint after 5 days of nothing but failed attempts', async () => {
    const { id } = await endpoint({ retry_policy: { max_retries: 10, retry_delay_ms: 3_600_000 } });
    await queueMessage(t, orgId, id);
    for (let i = 0; i < 5; i++) receiver.script.push({ status: 503 });
    await drain();
    const since = (await endpointRow(t, id)).failing_since;
    expect(since).toBe(clock.now().toISOString());
    // A second message failing within the 5 days keeps the streak's start.
    await queueMessage(t, orgId, id);
    clock.advance(4 * DAY_MS);
    await drain();
    expect(await endpointRow(t, id)).toMatchObject({ enabled: true, failing_since: since });

    clock.advance(DAY_MS);
    await drain();
    const row = await endpointRow(t, id);
    expect(row.enabled).toBe(false);
    expect(row.disabled_reason).toBe(`Every delivery attempt failed since ${since}`);
    const disabled = await t.ctx.database.db
      .selectFrom('events')
      .select('type')
      .where('subject_id', '=', id)
      .execute();
    expect(disabled).toEqual([{ type: 'webhook_endpoint.disabled' }]);
  });

  it('honours Retry-After on 429 and 503, capped at an hour', async () => {
    const { id } = await endpoint();
    const asked = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 429, headers: { 'retry-after': '120' } });
    await drain();
    expect((await messageRow(t, asked)).next_attempt_at).toBe(
      new Date(clock.now().getTime() + 120_000).toISOString(),
    );

    const greedy = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 503, headers: { 'retry-after': '999999' } });
    await drain();
    expect((await messageRow(t, greedy)).next_attempt_at).toBe(
      new Date(clock.now().getTime() + 3_600_000).toISOString(),
    );

    // A 500's Retry-After is not a promise to keep: plain backoff.
    const other = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 500, headers: { 'retry-after': '120' } });
    clock.advance(1);
    await drain();
    const delay = Date.parse((await messageRow(t, other)).next_attempt_at ?? '') - clock.now().getTime();
    expect(delay).toBeLessThanOrEqual(1000);
  });

  it('fails an attempt that gets no answer within the timeout', async () => {
    const { id } = await endpoint({ retry_policy: { timeout_ms: 1000 } });
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push('hang');
    await drain();
    const [attempt] = await attemptRows(t, messageId);
    expect(attempt).toMatchObject({
      status_code: null,
      error: 'no answer within 1000 ms',
      response_body: null,
    });
    expect(attempt?.duration_ms).toBeGreaterThanOrEqual(1000);
    expect(await messageRow(t, messageId)).toMatchObject({
      status: 'retrying',
      last_error: 'no answer within 1000 ms',
    });
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const { id } = await endpoint();
    const messageId = await queueMessage(t, orgId, id);
    receiver.script.push({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    await drain();
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
    const [attempt] = await attemptRows(t, messageId);
    expect(attempt).toMatchObject({
      status_code: 302,
      error: `redirects are not followed (answered 302 to ${receiver.url}/elsewhere)`,
    });
    expect((await messageRow(t, messageId)).status).toBe('retrying');
  });

  it('signs with both secrets while a rotation overlaps, then with the new one only', async () => {
    verifyAtClockTime();
    const previous = newSecret();
    const { id, secret } = await endpoint({
      previousSecret: previous,
      previous_secret_expires_at: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    secrets = [secret, previous];
    await queueMessage(t, orgId, id);
    await drain();
    expect(receiver.received[0]?.verified).toEqual([
      { standard: true, svix: true },
      { standard: true, svix: true },
    ]);

    clock.advance(60_000);
    vi.setSystemTime(clock.now());
    await queueMessage(t, orgId, id);
    await drain();
    expect(receiver.received[1]?.verified).toEqual([
      { standard: true, svix: true },
      { standard: false, svix: false },
    ]);
    expect(receiver.received[1]?.headers['webhook-signature']?.split(' ')).toHaveLength(1);
  });

  it('delivers an ordered endpoint one message at a time, in event order, a failing head holding the rest', async () => {
    const { id } = await endpoint({ ordered: true, retry_policy: { max_retries: 1, retry_delay_ms: 100 } });
    const ids = [
      await queueMessage(t, orgId, id, 'a.one'),
      await queueMessage(t, orgId, id, 'a.two'),
      await queueMessage(t, orgId, id, 'a.three'),
    ];
    receiver.script.push({ status: 500 });
    await drain();
    // The head failed: the others wait behind it, unattempted, though due.
    expect(receiver.received).toHaveLength(1);
    expect((await messageRow(t, ids[1] ?? '')).attempts).toBe(0);

    clock.advance(100);
    await drain();
    clock.advance(100);
    await drain();
    clock.advance(100);
    await drain();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'a.one',
      'a.one',
      'a.two',
      'a.three',
    ]);
    for (const messageId of ids) expect((await messageRow(t, messageId)).status).toBe('succeeded');
  });

  it('lets a head that failed for good release the ones behind it', async () => {
    const { id } = await endpoint({ ordered: true, retry_policy: { max_retries: 0 } });
    const head = await queueMessage(t, orgId, id, 'b.one');
    const next = await queueMessage(t, orgId, id, 'b.two');
    receiver.script.push({ status: 500 });
    await drain();
    await drain();
    expect((await messageRow(t, head)).status).toBe('failed');
    expect((await messageRow(t, next)).status).toBe('succeeded');
  });

  it('keeps an endpoint within its rate: deliveries over it wait for the next second, unattempted', async () => {
    const { id } = await endpoint({ rate_limit_per_second: 2 });
    clock.advance(1000 - (clock.now().getTime() % 1000));
    const ids = [
      await queueMessage(t, orgId, id),
      await queueMessage(t, orgId, id),
      await queueMessage(t, orgId, id),
    ];
    expect(await drain()).toBe(2);
    const waiting = (await Promise.all(ids.map((m) => messageRow(t, m)))).filter((m) => m.attempts === 0);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.next_attempt_at).toBe(new Date(clock.now().getTime() + 1000).toISOString());
    clock.advance(1000);
    expect(await drain()).toBe(1);
    expect(receiver.received).toHaveLength(3);
  });

  it('delivers at least once: a message whose dispatcher lost its lease is sent again with the same webhook-id', async () => {
    const { id } = await endpoint();
    const messageId = await queueMessage(t, orgId, id);
    const { db } = t.ctx.database;
    const deps = {
      db,
      box: t.app.services.secretBox,
      outbound: t.app.services.outbound,
      settings: t.ctx.config.webhookDelivery,
      allowHttp: true,
      clock,
      logger: t.ctx.logger,
    };
    const { Registry } = await import('prom-client');
    // The first dispatcher's request reaches the receiver, which does not answer: a process stalled or killed.
    const stalled = new WebhookDispatcher({ ...deps, metrics: new DeliveryMetrics(new Registry()) });
    receiver.script.push('hang');
    const stalledPass = stalled.drain();
    await receiver.arrived(1);
    // Its lease (60 s) runs out; another dispatcher claims the message and delivers it.
    clock.advance(60_001);
    const other = new WebhookDispatcher({ ...deps, metrics: new DeliveryMetrics(new Registry()) });
    expect(await other.drain()).toBe(1);
    expect(await messageRow(t, messageId)).toMatchObject({ status: 'succeeded', attempts: 1 });

    // The stalled one's answer comes at last: it records its attempt but leaves the message to the new holder.
    receiver.release(500);
    await stalledPass;
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
    expect(await messageRow(t, messageId)).toMatchObject({ status: 'succeeded', last_status_code: 200 });
    expect((await attemptRows(t, messageId)).map((a) => a.status_code).sort()).toEqual([200, 500]);
  });

  it('counts attempts by outcome and their latency in the Prometheus metrics', async () => {
    const { id } = await endpoint();
    await queueMessage(t, orgId, id);
    const before = await t.ctx.metrics.render();
    const count = (text: string) =>
      Number(/switchboard_webhook_delivery_attempts_total\{outcome="succeeded"\} (\d+)/.exec(text)?.[1] ?? 0);
    await drain();
    const after = await t.ctx.metrics.render();
    expect(count(after)).toBe(count(before) + 1);
    expect(after).toMatch(/switchboard_webhook_delivery_duration_seconds_count\{outcome="succeeded"\} \d+/);
  });

  it('prunes messages and their attempts past the retention', async () => {
    const { id } = await endpoint();
    const old = await queueMessage(t, orgId, id);
    await drain();
    clock.advance(30 * DAY_MS + 1);
    const recent = await queueMessage(t, orgId, id);
    expect(await t.app.services.webhookDeliveries.prune(clock.now())).toBeGreaterThanOrEqual(1);
    const left = await t.ctx.database.db
      .selectFrom('webhook_messages')
      .select('id')
      .where('id', 'in', [old, recent])
      .execute();
    expect(left).toEqual([{ id: recent }]);
    expect(await attemptRows(t, old)).toEqual([]);
  });
});

describe('delivering to targets the SSRF guard refuses', () => {
  const clock = new FakeClock(new Date().toISOString());
  let t: TestApp;
  let receiver: Receiver;
  let orgId: string;

  beforeAll(async () => {
    t = await testApp({ clock, env: { SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'false' } });
    receiver = await startReceiver(() => []);
    orgId = (await seedOrg(t)).id;
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('records a refused attempt for a private address, and sends nothing', async () => {
    const { id } = await createEndpoint(t, orgId, `https://127.0.0.1:${receiver.port}/hook`);
    const messageId = await queueMessage(t, orgId, id);
    await t.app.services.webhookDispatcher.drain();
    const [attempt] = await attemptRows(t, messageId);
    expect(attempt?.status_code).toBeNull();
    expect(attempt?.error).toMatch(/^127\.0\.0\.1 is a loopback address; Switchboard refuses/);
    expect((await messageRow(t, messageId)).status).toBe('retrying');
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses plain http unless private networks are allowed', async () => {
    const { id } = await createEndpoint(t, orgId, 'http://hooks.example.com/hook');
    const messageId = await queueMessage(t, orgId, id);
    await t.app.services.webhookDispatcher.drain();
    const [attempt] = await attemptRows(t, messageId);
    expect(attempt?.error).toBe(
      'only https:// targets are delivered to (http:// needs SWITCHBOARD_ALLOW_PRIVATE_NETWORKS=true)',
    );
  });
});

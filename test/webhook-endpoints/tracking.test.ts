import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrgRole } from '../../src/modules/auth/permissions.js';
import { recordEvent } from '../../src/modules/events/outbox.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { apiAs } from './api.js';
import { type Receiver, startReceiver } from './delivery-receiver.js';

const HOUR_MS = 3_600_000;

/** Calls the API as `user` with a session started now: the tests move the clock by hours. */
function freshAs(t: TestApp, user: SeededUser): ReturnType<typeof apiAs> {
  return async (method, url, payload, headers) => {
    const tokens = await t.app.services.sessions.start(user.id, user.orgId);
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    return apiAs(t, { ...user, auth })(method, url, payload, headers);
  };
}

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  event_type: string;
  next_attempt_at: string | null;
  last_status_code: number | null;
}

describe('tracking outbound deliveries through the API', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let admin: SeededUser;
  let api: ReturnType<typeof apiAs>;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await testApp({ clock });
    admin = await seedUser(t);
    api = freshAs(t, admin);
    receiver = await startReceiver(() => []);
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });
  beforeEach(async () => {
    // Each test's drains deliver its own messages only.
    await t.ctx.database.db.deleteFrom('webhook_messages').execute();
    receiver.reset();
  });

  const drain = () => t.app.services.webhookDispatcher.drain();

  async function endpoint(extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api('POST', '/webhook-endpoints', {
      name: `Endpoint ${Math.random()}`,
      url: `${receiver.url}/hook`,
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id;
  }

  async function testSend(endpointId: string): Promise<string> {
    const res = await api('POST', `/webhook-endpoints/${endpointId}/test`, {});
    expect(res.statusCode, res.body).toBe(202);
    return res.json().data.message_id;
  }

  const deliveries = async (endpointId: string, query = '') => {
    const res = await api('GET', `/webhook-endpoints/${endpointId}/deliveries${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { data: Delivery[]; pagination: { total: number; page: number } };
  };

  it('lists deliveries newest first with their state, filtered and paged', async () => {
    const id = await endpoint();
    const first = await testSend(id);
    receiver.script.push({ status: 500 });
    await drain();
    clock.advance(1);
    const second = await testSend(id);
    await drain();
    const third = await testSend(id);

    const all = await deliveries(id);
    expect(all.data.map((d) => d.id)).toEqual([third, second, first]);
    expect(all.data).toMatchObject([
      { status: 'pending', attempts: 0, last_status_code: null, event_type: 'webhook.test' },
      { status: 'succeeded', attempts: 1, last_status_code: 200, next_attempt_at: null },
      { status: 'retrying', attempts: 1, last_status_code: 500 },
    ]);
    expect(all.data[2]?.next_attempt_at).not.toBeNull();
    expect(all.pagination.total).toBe(3);

    expect((await deliveries(id, '?status=retrying')).data.map((d) => d.id)).toEqual([first]);
    expect((await deliveries(id, '?event_type=webhook.test')).pagination.total).toBe(3);
    expect((await deliveries(id, '?event_type=connection.created')).data).toEqual([]);
    const page2 = await deliveries(id, '?per_page=2&page=2');
    expect(page2.data.map((d) => d.id)).toEqual([first]);
    expect(page2.pagination).toMatchObject({ page: 2, total: 3 });

    const bad = await api('GET', `/webhook-endpoints/${id}/deliveries?status=lost`);
    expect(bad.statusCode).toBe(400);
  });

  it('shows a delivery with its body and every attempt', async () => {
    const id = await endpoint();
    const messageId = await testSend(id);
    receiver.script.push({ status: 503, body: 'busy' });
    await drain();
    clock.advance(HOUR_MS);
    await drain();

    const res = await api('GET', `/webhook-endpoints/${id}/deliveries/${messageId}`);
    expect(res.statusCode, res.body).toBe(200);
    const delivery = res.json().data;
    expect(delivery).toMatchObject({ id: messageId, status: 'succeeded', attempts: 2 });
    expect(delivery.payload).toMatchObject({ type: 'webhook.test' });
    expect(delivery.history).toMatchObject([
      { attempt: 1, status_code: 503, response_body: 'busy', error: null, url: `${receiver.url}/hook` },
      { attempt: 2, status_code: 200, response_body: 'ok', error: null },
    ]);
    expect(delivery.history[0].duration_ms).toBeGreaterThanOrEqual(0);

    const missing = await api(
      'GET',
      `/webhook-endpoints/${id}/deliveries/0190b6a0-0000-7000-8000-000000000000`,
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
  });

  it('redelivers a message now, whatever its state, with the same webhook-id', async () => {
    const id = await endpoint();
    const messageId = await testSend(id);
    await drain();
    const res = await api('POST', `/webhook-endpoints/${id}/deliveries/${messageId}/redeliver`);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().data).toMatchObject({ id: messageId, status: 'pending', attempts: 1 });
    await drain();
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
    expect((await deliveries(id)).data).toMatchObject([{ id: messageId, status: 'succeeded', attempts: 2 }]);
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', id)
      .where('action', '=', 'webhook_endpoint.delivery_redelivered')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('recovers the failed deliveries created since a time, and only those', async () => {
    const id = await endpoint({ retry_policy: { max_retries: 0 } });
    const older = await testSend(id);
    receiver.script.push({ status: 500 });
    await drain();
    clock.advance(HOUR_MS);
    const since = clock.now().toISOString();
    const newer = await testSend(id);
    receiver.script.push({ status: 500 });
    await drain();
    const failed = await deliveries(id, '?status=failed');
    expect(failed.data.map((d) => d.id)).toEqual([newer, older]);

    const res = await api('POST', `/webhook-endpoints/${id}/recover`, { since });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().data).toEqual({ since, queued: 1 });
    await drain();
    expect((await deliveries(id, '?status=succeeded')).data.map((d) => d.id)).toEqual([newer]);
    expect((await deliveries(id, '?status=failed')).data.map((d) => d.id)).toEqual([older]);

    const bad = await api('POST', `/webhook-endpoints/${id}/recover`, { since: 'yesterday' });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses to redeliver or recover while the endpoint is disabled', async () => {
    const id = await endpoint();
    const messageId = await testSend(id);
    receiver.script.push({ status: 410 });
    await drain();
    const redeliver = await api('POST', `/webhook-endpoints/${id}/deliveries/${messageId}/redeliver`);
    expect(redeliver.statusCode).toBe(409);
    const recover = await api('POST', `/webhook-endpoints/${id}/recover`, {
      since: clock.now().toISOString(),
    });
    expect(recover.statusCode).toBe(409);
    expect((await deliveries(id)).data).toMatchObject([{ status: 'failed', attempts: 1 }]);
  });

  it('gives 24-hour stats: attempts, success rate, latency p50/p95, null where nothing', async () => {
    const id = await endpoint();
    const empty = await api('GET', `/webhook-endpoints/${id}/stats`);
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json().data).toMatchObject({
      window_hours: 24,
      attempts: 0,
      succeeded: 0,
      failed: 0,
      success_rate: null,
      latency_ms: { p50: null, p95: null },
    });

    for (const answer of [{ status: 200 }, { status: 500 }, { status: 200 }, { status: 200 }]) {
      await testSend(id);
      receiver.script.push(answer);
      await drain();
    }
    const stats = (await api('GET', `/webhook-endpoints/${id}/stats`)).json().data;
    expect(stats).toMatchObject({ attempts: 4, succeeded: 3, failed: 1, success_rate: 0.75 });
    const durations = (
      await t.ctx.database.db
        .selectFrom('webhook_attempts')
        .select('duration_ms')
        .where('endpoint_id', '=', id)
        .orderBy('duration_ms')
        .execute()
    ).map((a) => a.duration_ms);
    // Nearest rank over 4: the 2nd and the 4th fastest.
    expect(stats.latency_ms).toEqual({ p50: durations[1], p95: durations[3] });

    clock.advance(24 * HOUR_MS + 1);
    const later = (await api('GET', `/webhook-endpoints/${id}/stats`)).json().data;
    expect(later).toMatchObject({ attempts: 0, success_rate: null, latency_ms: { p50: null, p95: null } });
  });

  it('is for roles that manage webhooks, and answers 404 for another org’s endpoint', async () => {
    const id = await endpoint();
    const messageId = await testSend(id);
    const routes = [
      ['GET', `/webhook-endpoints/${id}/deliveries`],
      ['GET', `/webhook-endpoints/${id}/deliveries/${messageId}`],
      ['GET', `/webhook-endpoints/${id}/stats`],
    ] as const;
    const allowed: Record<OrgRole, boolean> = {
      tenant_admin: true,
      it_admin: true,
      ciso: true,
      security_engineer: true,
      devops_engineer: true,
      compliance_manager: false,
      auditor: false,
      vendor_manager: false,
      member: false,
    };
    for (const [role, may] of Object.entries(allowed) as [OrgRole, boolean][]) {
      const user = await seedUser(t, { orgId: admin.orgId, role });
      for (const [method, url] of routes) {
        const res = await freshAs(t, user)(method, url);
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(may ? 200 : 403);
      }
      const redeliver = await freshAs(t, user)(
        'POST',
        `/webhook-endpoints/${id}/deliveries/${messageId}/redeliver`,
      );
      expect(redeliver.statusCode, `${role} redeliver`).toBe(may ? 202 : 403);
    }

    const stranger = freshAs(t, await seedUser(t));
    for (const [method, url] of [
      ...routes,
      ['POST', `/webhook-endpoints/${id}/deliveries/${messageId}/redeliver`],
    ] as const) {
      const res = await stranger(method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
    }
    const recover = await stranger('POST', `/webhook-endpoints/${id}/recover`, {
      since: clock.now().toISOString(),
    });
    expect(recover.statusCode).toBe(404);
  });
});

describe('outbound delivery in a process running background work', () => {
  let t: TestApp;
  let admin: SeededUser;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await testApp({ worker: true, queueBackend: 'in-process' });
    admin = await seedUser(t);
    receiver = await startReceiver(() => []);
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('delivers an outbox event to a subscribed endpoint as soon as the fan-out queues it', async () => {
    const created = await apiAs(t, admin)('POST', '/webhook-endpoints', {
      name: 'Members',
      url: `${receiver.url}/members`,
      event_types: ['member.*'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const endpointId = created.json().data.id;
    const now = t.ctx.clock.now();
    await t.ctx.database.db.transaction().execute((tx) =>
      recordEvent(
        tx,
        {
          type: 'member.added',
          orgId: admin.orgId,
          subjectId: admin.id,
          payload: { user_id: admin.id, role: 'member' },
        },
        now,
      ),
    );
    await receiver.arrived(1);
    const [got] = receiver.received;
    expect(JSON.parse(got?.body ?? '')).toMatchObject({ type: 'member.added' });
    await t.app.services.webhookDispatcher.idle();
    const listed = await apiAs(t, admin)('GET', `/webhook-endpoints/${endpointId}/deliveries`);
    expect(listed.json().data).toMatchObject([
      { id: got?.headers['webhook-id'], status: 'succeeded', event_type: 'member.added' },
    ]);
  });
});

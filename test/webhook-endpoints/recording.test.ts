/**
 * The dispatcher records attempts in groups: outcomes that come in while a record transaction
 * commits are recorded together in the next one, each as it would be alone (bench/webhooks
 * outbound measured one commit per delivery as the limit of the dispatcher's rate).
 */

import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryMetrics } from '../../src/modules/webhook-endpoints/delivery-metrics.js';
import { WebhookDispatcher } from '../../src/modules/webhook-endpoints/dispatcher.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { seedOrg } from '../helpers/identity.js';
import { attemptRows, createEndpoint, endpointRow, messageRow, queueMessage } from './delivery-fixtures.js';
import { type Receiver, startReceiver } from './delivery-receiver.js';

const HELD = 10;

describe('recording outbound delivery attempts', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let receiver: Receiver;
  let orgId: string;

  beforeAll(async () => {
    t = await testApp({ clock });
    receiver = await startReceiver(() => []);
    orgId = (await seedOrg(t)).id;
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });
  beforeEach(async () => {
    await t.ctx.database.db.deleteFrom('webhook_messages').execute();
    receiver.reset();
  });

  /** Messages to one endpoint, held at the receiver until all are there, then answered at once. */
  async function answeredTogether(statuses: number[], failingSince: string | null = null) {
    const { id: endpointId } = await createEndpoint(t, orgId, `${receiver.url}/hook`);
    await t.ctx.database.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: failingSince })
      .where('id', '=', endpointId)
      .execute();
    const ids: string[] = [];
    for (const _ of statuses) ids.push(await queueMessage(t, orgId, endpointId));
    receiver.script.push(...statuses.map(() => 'hang' as const));
    const arrived = receiver.arrived(receiver.received.length + statuses.length);
    const pass = t.app.services.webhookDispatcher.drain();
    await arrived;
    const transactions = vi.spyOn(t.ctx.database.db, 'transaction');
    try {
      for (const status of statuses) receiver.release(status);
      expect(await pass).toBe(statuses.length);
      return { endpointId, ids, transactions: transactions.mock.calls.length };
    } finally {
      transactions.mockRestore();
    }
  }

  it('records deliveries answered together in fewer transactions than deliveries, each settled with its attempt', async () => {
    const { endpointId, ids, transactions } = await answeredTogether(Array.from({ length: HELD }, () => 200));

    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThan(HELD);
    for (const id of ids) {
      expect(await messageRow(t, id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
        lease_until: null,
        delivered_at: clock.now().toISOString(),
      });
      expect((await attemptRows(t, id)).map((a) => [a.attempt, a.status_code])).toEqual([[1, 200]]);
    }
    expect((await endpointRow(t, endpointId))?.failing_since).toBeNull();
  });

  it('keeps a failing endpoint failing since its first failure through a group of failures, and clears it with successes', async () => {
    const since = new Date(clock.now().getTime() - 86_400_000).toISOString();
    const failed = await answeredTogether([500, 500, 500], since);
    for (const id of failed.ids) {
      expect(await messageRow(t, id)).toMatchObject({
        status: 'retrying',
        attempts: 1,
        last_status_code: 500,
      });
    }
    expect(await endpointRow(t, failed.endpointId)).toMatchObject({ failing_since: since, enabled: true });

    const succeeded = await answeredTogether([200, 200, 200], since);
    expect((await endpointRow(t, succeeded.endpointId))?.failing_since).toBeNull();
  });

  it('leaves a message whose claim ran out during a successful attempt to its new holder', async () => {
    const { id: endpointId } = await createEndpoint(t, orgId, `${receiver.url}/hook`);
    const messageId = await queueMessage(t, orgId, endpointId);
    const deps = {
      db: t.ctx.database.db,
      box: t.app.services.secretBox,
      outbound: t.app.services.outbound,
      settings: t.ctx.config.webhookDelivery,
      allowHttp: true,
      clock,
      logger: t.ctx.logger,
      metrics: new DeliveryMetrics(new Registry()),
    };
    const stalled = new WebhookDispatcher(deps);
    receiver.script.push('hang');
    const arrived = receiver.arrived(receiver.received.length + 1);
    const stalledPass = stalled.drain();
    await arrived;
    clock.advance(t.ctx.config.webhookDelivery.leaseMs + 1);
    expect(await new WebhookDispatcher(deps).drain()).toBe(1);

    receiver.release(200);
    await stalledPass;
    expect(await messageRow(t, messageId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect((await attemptRows(t, messageId)).map((a) => a.status_code)).toEqual([200, 200]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDue, insertReceived, pruneEvents } from '../../src/modules/webhooks/storage/events.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { seedUser } from '../helpers/identity.js';
import { syncHarness } from '../helpers/sync.js';

/** The received events as the processors' queue: claims that never overlap, leases that expire, retention. */
describe('webhook events as a queue', () => {
  let t: TestApp;
  let webhookId: string;
  let orgId: string;
  let connectionId: string;
  const at = new Date('2026-12-01T10:00:00.000Z');

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    const admin = await seedUser(t);
    orgId = admin.orgId;
    const h = syncHarness(t, admin);
    connectionId = await h.create('demo', { api_token: 'x' });
    const hook = await h.call('POST', `/integration-connections/${connectionId}/webhooks`, { name: 'Queue' });
    webhookId = hook.json().data.id;
  });
  afterAll(() => t.close());

  const db = () => t.ctx.database.db;
  const event = (receivedAt: Date, deliveryId: string | null = null) => ({
    id: newId(),
    org_id: orgId,
    connection_id: connectionId,
    webhook_id: webhookId,
    delivery_id: deliveryId,
    dedupe_key: deliveryId,
    event_type: 'x',
    status: 'accepted',
    headers: {},
    payload: {},
    next_attempt_at: receivedAt.toISOString(),
    received_at: receivedAt.toISOString(),
  });

  it('hands each due event to one claimer only, and again once its lease has expired', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const e = event(at);
      ids.push(e.id);
      await insertReceived(db(), e);
    }
    const [a, b, c] = await Promise.all([
      claimDue(db(), at, 60_000, 12),
      claimDue(db(), at, 60_000, 12),
      claimDue(db(), at, 60_000, 12),
    ]);
    const claimed = [...a, ...b, ...c].map((e) => e.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(await claimDue(db(), new Date(at.getTime() + 59_000), 60_000, 100)).toEqual([]);
    const expired = await claimDue(db(), new Date(at.getTime() + 61_000), 60_000, 100);
    expect(expired.map((e) => e.id).sort()).toEqual([...ids].sort());
  });

  it('stores a second delivery of one id as a duplicate, even when both arrive at once', async () => {
    const statuses = await Promise.all([
      insertReceived(db(), event(at, 'same-delivery')),
      insertReceived(db(), event(at, 'same-delivery')),
    ]);
    expect(statuses.sort()).toEqual(['accepted', 'duplicate']);
  });

  it('prunes events received before the cutoff, and only those', async () => {
    const old = event(new Date('2026-11-01T00:00:00.000Z'));
    const recent = event(new Date('2026-11-30T00:00:00.000Z'));
    await insertReceived(db(), old);
    await insertReceived(db(), recent);
    expect(await pruneEvents(db(), new Date('2026-11-15T00:00:00.000Z'), 100)).toBe(1);
    const left = await db()
      .selectFrom('webhook_events')
      .select('id')
      .where('id', 'in', [old.id, recent.id])
      .execute();
    expect(left.map((r) => r.id)).toEqual([recent.id]);
  });
});

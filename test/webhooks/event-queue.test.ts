import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimNext,
  insertReceived,
  pruneEvents,
  settleEvent,
} from '../../src/modules/webhooks/storage/events.js';
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

  it('hands each due event to one claimer only, counting the attempt, and again once its lease has expired', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const e = event(at);
      ids.push(e.id);
      await insertReceived(db(), e);
    }
    const claimAll = async (owner: string, when: Date) => {
      const claimed: { id: string; attempts: number }[] = [];
      for (;;) {
        const next = await claimNext(db(), owner, when, 60_000);
        if (!next) return claimed;
        claimed.push(next);
      }
    };
    const [a, b, c] = await Promise.all([claimAll('a', at), claimAll('b', at), claimAll('c', at)]);
    const claimed = [...a, ...b, ...c];
    expect(new Set(claimed.map((e) => e.id)).size).toBe(claimed.length);
    expect(claimed.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(claimed.every((e) => e.attempts === 1)).toBe(true);
    expect(await claimNext(db(), 'd', new Date(at.getTime() + 59_000), 60_000)).toBeUndefined();
    const again = await claimAll('d', new Date(at.getTime() + 61_000));
    expect(again.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(again.every((e) => e.attempts === 2)).toBe(true);
    // The first holder's lease is gone: its late settle is refused, the new holder's is not.
    const settle = (owner: string) =>
      settleEvent(db(), ids[0]!, owner, {
        status: 'processed',
        error: null,
        next_attempt_at: null,
        processed_at: at.toISOString(),
      });
    const first = [...a, ...b, ...c].find((e) => e.id === ids[0]) ? ['a', 'b', 'c'] : [];
    for (const owner of first) expect(await settle(owner)).toBe(false);
    expect(await settle('d')).toBe(true);
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

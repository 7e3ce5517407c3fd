import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countOutcome,
  countReceived,
  findWebhook,
  findWebhookById,
  foldCounts,
} from '../../src/modules/webhooks/storage/webhooks.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { seedUser } from '../helpers/identity.js';
import { syncHarness } from '../helpers/sync.js';

/**
 * A webhook's counters are rows added beside it, folded into its totals later: reads are exact
 * before and after a fold, and no count is lost or counted twice by folds running together.
 */
describe('webhook counters', () => {
  let t: TestApp;
  let orgId: string;
  let connectionId: string;
  let webhookId: string;
  let h: ReturnType<typeof syncHarness>;

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    const admin = await seedUser(t);
    orgId = admin.orgId;
    h = syncHarness(t, admin);
    connectionId = await h.create('demo', { api_token: 'x' });
    const hook = await h.call('POST', `/integration-connections/${connectionId}/webhooks`, {
      name: 'Counts',
    });
    webhookId = hook.json().data.id;
  });
  afterAll(() => t.close());

  const db = () => t.ctx.database.db;
  const counters = async () => {
    const row = await findWebhook(db(), orgId, connectionId, webhookId);
    return {
      received: row?.total_received,
      processed: row?.total_processed,
      failed: row?.total_failed,
      last: row?.last_received_at,
      error: row?.last_error,
    };
  };
  const pending = async () =>
    Number(
      (
        await db()
          .selectFrom('webhook_counts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('counts without touching the webhook’s row, and shows the same totals before and after a fold', async () => {
    for (let i = 0; i < 5; i++) await countReceived(db(), webhookId, `2026-12-01T10:00:0${i}.000Z`);
    for (let i = 0; i < 3; i++) await countOutcome(db(), webhookId, 'processed');
    await countOutcome(db(), webhookId, { failed: 'The handler threw' });

    const stored = await findWebhookById(db(), webhookId);
    expect(stored?.total_received).toBe(0);
    const before = await counters();
    expect(before).toEqual({
      received: 5,
      processed: 3,
      failed: 1,
      last: '2026-12-01T10:00:04.000Z',
      error: 'The handler threw',
    });

    expect(await foldCounts(db())).toBe(9);
    expect(await pending()).toBe(0);
    expect((await findWebhookById(db(), webhookId))?.total_received).toBe(5);
    expect(await counters()).toEqual(before);

    // An older arrival folded later does not move last_received_at back.
    await countReceived(db(), webhookId, '2026-11-30T00:00:00.000Z');
    await foldCounts(db());
    expect(await counters()).toEqual({ ...before, received: 6 });
  });

  it('never counts a row twice when folds run together with counting', async () => {
    const start = (await counters()).received ?? 0;
    const counting = Array.from({ length: 200 }, (_, i) =>
      countReceived(db(), webhookId, `2026-12-02T00:00:00.${String(i).padStart(3, '0')}Z`),
    );
    const folding = Array.from({ length: 5 }, () => foldCounts(db()));
    await Promise.all([...counting, ...folding]);
    expect((await counters()).received).toBe(start + 200);
    await foldCounts(db());
    expect(await pending()).toBe(0);
    expect((await findWebhookById(db(), webhookId))?.total_received).toBe(start + 200);
  });

  it('drops the counts of a webhook deleted before they were folded', async () => {
    const hook = await h.call('POST', `/integration-connections/${connectionId}/webhooks`, { name: 'Gone' });
    const goneId: string = hook.json().data.id;
    await countReceived(db(), goneId, '2026-12-01T10:00:00.000Z');
    const deleted = await h.call('DELETE', `/integration-connections/${connectionId}/webhooks/${goneId}`);
    expect(deleted.statusCode).toBe(204);
    const before = await counters();
    expect(await foldCounts(db())).toBe(1);
    expect(await pending()).toBe(0);
    expect(await counters()).toEqual(before);
  });
});

import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connectors/sdk.js';
import { hmacScheme } from '../../src/modules/webhooks/schemes/hmac.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

/** A connector whose webhook handler never settles and ignores its signal. */
const stuck: Connector = {
  definition: {
    slug: 'stuck',
    name: 'Stuck',
    provider: 'stuck',
    category: 'custom',
    shortDescription: 'Never finishes handling a webhook.',
    description: 'A test connector whose webhook handler hangs.',
    iconUrl: 'https://example.com/icon.svg',
    authType: 'none',
    configSchema: { type: 'object', properties: {} },
    capabilities: ['receive_webhooks'],
    entities: [],
    version: '1.0.0',
    tags: ['test'],
  },
  test: async () => ({ ok: true, message: 'Connected', details: {} }),
  webhooks: {
    scheme: { ...hmacScheme('X-Stuck-Signature', 'sha256'), name: 'stuck' },
    handle: () => new Promise(() => {}),
  },
};

/** What bounds the processor: a handler's time, and attempts that died with their process. */
describe('the webhook processor’s bounds', () => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  let admin: SeededUser;

  beforeAll(async () => {
    t = await testApp({
      connectors: [stuck],
      worker: true,
      env: { ...SYNC_TEST_ENV, SWITCHBOARD_WEBHOOK_LEASE_MS: '2000', SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS: '2' },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  afterAll(() => t.close());

  async function delivered() {
    const connection = await h.connected('stuck', {});
    const hook = (
      await h.call('POST', `/integration-connections/${connection}/webhooks`, { name: 'Stuck' })
    ).json().data;
    const body = JSON.stringify({ type: 'x' });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/receive/${hook.id}`,
      headers: {
        'content-type': 'application/json',
        'x-stuck-signature': createHmac('sha256', hook.webhook_secret).update(body).digest('hex'),
      },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    return {
      url: `/integration-connections/${connection}/webhooks/${hook.id}/events/${res.json().event_id}`,
      id: res.json().event_id as string,
    };
  }

  it('gives up on a handler that ignores its signal after four fifths of the lease, and goes on', async () => {
    const { url } = await delivered();
    await t.app.services.webhookProcessor.idle();
    const event = (await h.call('GET', url)).json().data;
    expect(event).toMatchObject({ status: 'accepted', attempts: 1 });
    expect(event.error).toMatch(/timeout|aborted/i);
  });

  it('fails an event whose attempts all died with their process, without running it again', async () => {
    const { url, id } = await delivered();
    await t.app.services.webhookProcessor.stop();
    // As after two crashes mid-processing: two attempts counted at their claims, the lease expired.
    await t.ctx.database.db
      .updateTable('webhook_events')
      .set({
        status: 'accepted',
        attempts: 2,
        next_attempt_at: '2000-01-01T00:00:00.000Z',
        lease_owner: 'dead-process',
        lease_until: '2000-01-01T00:00:00.000Z',
      })
      .where('id', '=', id)
      .execute();
    await t.app.services.webhookProcessor.drain();
    const event = (await h.call('GET', url)).json().data;
    expect(event).toMatchObject({ status: 'failed', attempts: 3 });
    expect(event.error).toMatch(/^Gave up after 2 attempts/);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWebhookById } from '../../src/modules/webhooks/storage/webhooks.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

// The release before a migration serves on until it is restarted. On PostgreSQL its hot statements
// are prepared once per pooled connection: one pooled connection here, so that the statements run
// again after the migration are the very ones prepared before it.
describe('statements prepared before a migration adds a column', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({
      env: SYNC_TEST_ENV,
      worker: true,
      config: (c) => (c.database.kind === 'postgres' ? { ...c, database: { ...c.database, poolMax: 1 } } : c),
    });
  });

  afterAll(async () => {
    await t.close();
  });

  it('still run: the connection read, the webhook receiver read and the run claim', async () => {
    const db = t.ctx.database.db;
    const h = syncHarness(t, await seedUser(t));
    const id = await h.connected('demo', { api_token: 'x', users: 2 });
    expect((await h.settled(id, await h.trigger(id))).status).toBe('completed');
    const hook = await h.call('POST', `/integration-connections/${id}/webhooks`, { name: 'Before' });
    expect(hook.statusCode, hook.body).toBe(201);
    const webhookId = String(hook.json().data.id);
    expect(await findWebhookById(db, webhookId)).toMatchObject({ id: webhookId, connection_id: id });

    for (const table of ['integration_connections', 'webhooks', 'sync_runs']) {
      await sql`alter table ${sql.table(table)} add column added_later text`.execute(db);
    }

    const read = await h.call('GET', `/integration-connections/${id}`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().data).toMatchObject({ id, status: 'connected' });
    expect(read.json().data).not.toHaveProperty('added_later');
    expect(await findWebhookById(db, webhookId)).toMatchObject({ id: webhookId, connection_id: id });
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status).toBe('completed');
    expect(run.stats.items_synced).toBeGreaterThan(0);
  });
});

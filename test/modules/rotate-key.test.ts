import type { NotNull } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSecrets } from '../../src/modules/connections/secrets.js';
import { reencryptRow, reencryptSecrets } from '../../src/modules/credentials/rotate-key.js';
import { openEndpointSecret } from '../../src/modules/webhook-endpoints/secret.js';
import { openWebhookSecret } from '../../src/modules/webhooks/secret.js';
import { KeyRing } from '../../src/platform/crypto/key-ring.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const KEY_C = Buffer.alloc(32, 3);

/** More rows than one batch, so the keyset pagination is exercised. */
const BULK_ROWS = 520;

describe('rotate-key: re-encrypting connection secrets', () => {
  let t: TestApp;
  let admin: SeededUser;
  let demoId: string;
  let counter = 0;
  // The deployment during rotation: B is primary, A still opens what it sealed.
  const rotated = new SecretBox(new KeyRing(KEY_B, [KEY_A]));
  const underA = new ConnectionSecrets(new SecretBox(new KeyRing(KEY_A)));
  const underB = new ConnectionSecrets(rotated);
  const tokens = new Map<string, string>();

  const db = () => t.ctx.database.db;
  const secretsOf = async (id: string) =>
    (
      await db()
        .selectFrom('integration_connections')
        .select('secrets')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).secrets;

  async function create(): Promise<string> {
    const token = `sk-rotate-${process.pid}-${++counter}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: admin.auth,
      payload: { definition_id: demoId, name: `Demo ${counter}`, config: { api_token: token } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id: string = res.json().data.id;
    tokens.set(id, token);
    return id;
  }

  beforeAll(async () => {
    t = await testApp({
      env: { SWITCHBOARD_ENCRYPTION_KEY: KEY_A.toString('base64'), SWITCHBOARD_RATE_LIMITS: 'false' },
    });
    admin = await seedUser(t);
    demoId = (
      await db()
        .selectFrom('integration_definitions')
        .select('id')
        .where('slug', '=', 'demo')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('re-encrypts every connection under the new key, keeping the values, then finds nothing left', async () => {
    const ids = [await create(), await create(), await create()];
    const template = await db()
      .selectFrom('integration_connections')
      .selectAll()
      .where('id', '=', ids[0]!)
      .executeTakeFirstOrThrow();
    const bulk = Array.from({ length: BULK_ROWS }, (_, i) => {
      const id = newId();
      tokens.set(id, `sk-bulk-${i}`);
      return {
        ...template,
        id,
        name: `Bulk ${i}`,
        secrets: underA.seal(admin.orgId, id, { api_token: `sk-bulk-${i}` }),
      };
    });
    for (let i = 0; i < bulk.length; i += 100) {
      await db()
        .insertInto('integration_connections')
        .values(bulk.slice(i, i + 100))
        .execute();
    }
    const total = ids.length + BULK_ROWS;

    const first = await reencryptSecrets(db(), rotated, t.ctx.logger);
    expect(first).toEqual({
      scanned: total,
      reencrypted: total,
      alreadyCurrent: 0,
      changed: 0,
      failed: 0,
      failedIds: [],
    });
    for (const [id, token] of tokens) {
      const sealed = await secretsOf(id);
      expect(sealed).not.toBeNull();
      expect(rotated.isCurrent(sealed!)).toBe(true);
      expect(underB.open(admin.orgId, id, sealed)).toEqual({ api_token: token });
      // Key A alone no longer opens it.
      expect(() => underA.open(admin.orgId, id, sealed)).toThrow(/no configured encryption key/);
    }

    const second = await reencryptSecrets(db(), rotated);
    expect(second).toMatchObject({ scanned: total, reencrypted: 0, alreadyCurrent: total, failed: 0 });
  });

  it('never overwrites secrets another writer changed between the read and the write', async () => {
    const id = await create();
    const stale = await db()
      .selectFrom('integration_connections')
      .select(['id', 'org_id', 'secrets'])
      .where('id', '=', id)
      .$narrowType<{ secrets: NotNull }>()
      .executeTakeFirstOrThrow();
    // A running API saves new credentials in between.
    const concurrent = underB.seal(admin.orgId, id, { api_token: 'sk-written-meanwhile' });
    await db()
      .updateTable('integration_connections')
      .set({ secrets: concurrent })
      .where('id', '=', id)
      .execute();

    expect(await reencryptRow(db(), rotated, stale)).toBe('changed');
    expect(await secretsOf(id)).toBe(concurrent);
  });

  it('records each re-seal as an event and an audit entry; a row changed meanwhile records none', async () => {
    const resealedOf = async (id: string) => ({
      events: await db()
        .selectFrom('events')
        .select(['type', 'payload'])
        .where('subject_id', '=', id)
        .where('type', '=', 'connection.updated')
        .execute()
        .then((rows) => rows.filter((e) => e.payload.action === 'connection.secrets_resealed')),
      audits: await db()
        .selectFrom('audit_log')
        .select(['actor_type', 'changed_fields'])
        .where('target_id', '=', id)
        .where('action', '=', 'connection.secrets_resealed')
        .execute(),
    });
    const sealedRow = (id: string) =>
      db()
        .selectFrom('integration_connections')
        .select(['id', 'org_id', 'secrets'])
        .where('id', '=', id)
        .$narrowType<{ secrets: NotNull }>()
        .executeTakeFirstOrThrow();
    const [resealed, overtaken] = [await create(), await create()];
    const stale = await sealedRow(overtaken);
    await db()
      .updateTable('integration_connections')
      .set({ secrets: underB.seal(admin.orgId, overtaken, { api_token: 'sk-newer' }) })
      .where('id', '=', overtaken)
      .execute();

    expect(await reencryptRow(db(), rotated, await sealedRow(resealed))).toBe('reencrypted');
    expect(await reencryptRow(db(), rotated, stale)).toBe('changed');
    expect(await resealedOf(resealed)).toEqual({
      events: [
        {
          type: 'connection.updated',
          payload: { action: 'connection.secrets_resealed', changed_fields: ['secrets'] },
        },
      ],
      audits: [{ actor_type: 'system', changed_fields: ['secrets'] }],
    });
    expect(await resealedOf(overtaken)).toEqual({ events: [], audits: [] });
  });

  it('counts a row whose ciphertext does not decrypt as failed, by id, and carries on', async () => {
    const foreign = await create();
    const other = await create();
    const unknownKey = await create();
    // A ciphertext copied from another row fails its associated data check.
    const copied = await secretsOf(other);
    await db()
      .updateTable('integration_connections')
      .set({ secrets: copied })
      .where('id', '=', foreign)
      .execute();
    const sealedWithC = new ConnectionSecrets(new SecretBox(new KeyRing(KEY_C))).seal(
      admin.orgId,
      unknownKey,
      { api_token: 'sk-under-a-lost-key' },
    );
    await db()
      .updateTable('integration_connections')
      .set({ secrets: sealedWithC })
      .where('id', '=', unknownKey)
      .execute();

    const result = await reencryptSecrets(db(), rotated, t.ctx.logger);
    expect(result.failed).toBe(2);
    expect(result.failedIds.sort()).toEqual([foreign, unknownKey].sort());
    expect(result.reencrypted).toBe(1);
    // Failed rows are left untouched, and the logs name them by id only.
    expect(await secretsOf(foreign)).toBe(copied);
    expect(await secretsOf(unknownKey)).toBe(sealedWithC);
    expect(t.logs.lines.filter((l) => l.connection_id === foreign)).toHaveLength(1);
    expect(t.logs.text()).not.toContain(copied);
    expect(t.logs.text()).not.toContain(tokens.get(other));
  });
});

describe('rotate-key: re-encrypting inbound webhook secrets', () => {
  let t: TestApp;
  afterAll(() => t?.close());

  it('re-seals inbound webhooks’ and outbound endpoints’ secrets under the new key, keeping their values', async () => {
    t = await testApp({
      env: { SWITCHBOARD_ENCRYPTION_KEY: KEY_A.toString('base64'), SWITCHBOARD_RATE_LIMITS: 'false' },
    });
    const admin = await seedUser(t);
    const db = t.ctx.database.db;
    const demo = await db
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', 'demo')
      .executeTakeFirstOrThrow();
    const connection = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: admin.auth,
      payload: { definition_id: demo.id, name: 'Hooks', config: { api_token: 'x' } },
    });
    const hook = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${connection.json().data.id}/webhooks`,
      headers: admin.auth,
      payload: { name: 'Hook' },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const { id, webhook_secret: secret } = hook.json().data;

    const endpoint = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      headers: admin.auth,
      payload: { name: 'Out', url: 'https://hooks.example.com/out' },
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    const rotatedOut = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhook-endpoints/${endpoint.json().data.id}/rotate-secret`,
      headers: admin.auth,
      payload: {},
    });
    expect(rotatedOut.statusCode, rotatedOut.body).toBe(200);

    const rotated = new SecretBox(new KeyRing(KEY_B, [KEY_A]));
    const result = await reencryptSecrets(db, rotated);
    // The connection, the webhook, and the endpoint (its current and previous secrets together).
    expect(result).toMatchObject({ reencrypted: 3, failed: 0 });
    const out = await db
      .selectFrom('webhook_endpoints')
      .select(['id', 'secret', 'previous_secret'])
      .executeTakeFirstOrThrow();
    expect(openEndpointSecret(new SecretBox(new KeyRing(KEY_B)), admin.orgId, out.id, out.secret)).toBe(
      rotatedOut.json().data.secret,
    );
    expect(
      openEndpointSecret(new SecretBox(new KeyRing(KEY_B)), admin.orgId, out.id, out.previous_secret!),
    ).toBe(endpoint.json().data.secret);
    const row = await db
      .selectFrom('webhooks')
      .select('secret')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const onlyB = new SecretBox(new KeyRing(KEY_B));
    expect(openWebhookSecret(onlyB, admin.orgId, id, row.secret)).toBe(secret);
    expect(() => openWebhookSecret(new SecretBox(new KeyRing(KEY_A)), admin.orgId, id, row.secret)).toThrow();
  });
});

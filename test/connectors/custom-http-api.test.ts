/**
 * The custom HTTP connector end to end through the public API, against the fake JSON API: connect,
 * test good and bad credentials, 400s naming bad entity fields (create, update, test), sync of
 * entities in every pagination style with an API key in the query (kept out of logs, errors and
 * cursors), incremental re-sync, a record without an id (partial), a 429 with Retry-After survived,
 * cancel mid-sync, and the preview equal to the fake's truth.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CustomHttpConfig, EntityConfig } from '../../src/connectors/custom-http/index.js';
import { type FakeJsonApi, startFakeJsonApi } from '../fakes/custom-http/server.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

const KEY = 'key-6f1c0e7a';

const ENTITIES: EntityConfig[] = [
  {
    name: 'users',
    path: '/v1/users',
    pagination: { style: 'link', size_param: 'per_page', page_size: 25 },
    incremental: { param: 'since', field: 'updated_at' },
  },
  {
    name: 'channels',
    path: '/v1/channels',
    records_path: 'channels',
    pagination: {
      style: 'cursor',
      cursor_path: 'response_metadata.next_cursor',
      size_param: 'limit',
      page_size: 20,
    },
  },
  {
    name: 'tickets',
    path: '/v1/tickets',
    records_path: 'results',
    pagination: { style: 'offset', page_size: 30 },
  },
  {
    name: 'devices',
    path: '/v1/devices',
    records_path: 'data.devices',
    id_field: 'attributes.serial',
    pagination: { style: 'page', page_size: 15 },
  },
  { name: 'teams', path: '/v1/teams', records_path: 'teams' },
];

describe('custom-http through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let api: FakeJsonApi;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({ worker: true, queueBackend: 'in-process', clock, env: SYNC_TEST_ENV });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  beforeEach(async () => {
    await api?.close();
    api = await startFakeJsonApi({
      users: 60,
      channels: 45,
      tickets: 70,
      devices: 33,
      auth: { kind: 'api_key', in: 'query', name: 'api_key', key: KEY },
    });
  });
  afterAll(async () => {
    await api.close();
    await t.close();
  });

  const config = (extra: Partial<CustomHttpConfig> = {}): CustomHttpConfig => ({
    base_url: `${api.url}/`,
    auth_type: 'api_key',
    api_key: KEY,
    key_in: 'query',
    key_name: 'api_key',
    test_path: '/v1/me',
    entities: ENTITIES,
    ...extra,
  });

  const truth = () => ({
    users: api.data.users.length,
    channels: api.data.channels.length,
    tickets: api.data.tickets.length,
    devices: api.data.devices.length,
    teams: api.data.teams.length,
  });

  const fieldsOf = (res: { json(): { error: { details: { fields: { field: string }[] } } } }) =>
    res.json().error.details.fields.map((f) => f.field);

  it('tests a good key, and a refused one as the spec’s auth_error', async () => {
    const id = await h.create('custom-http', config());
    const good = await h.call('POST', `/integration-connections/${id}/test`);
    expect(good.json().data).toMatchObject({
      test_result: 'success',
      message: 'Connected: GET /v1/me answered HTTP 200',
      status: 'configuring',
      health: 'healthy',
    });
    expect(api.requests.at(-1)!.path).toBe(`/v1/me?api_key=${KEY}`);
    const shown = await h.call('GET', `/integration-connections/${id}`);
    expect(shown.body).not.toContain(KEY);

    const bad = await h.create('custom-http', config({ api_key: 'revoked' }));
    const refused = await h.call('POST', `/integration-connections/${bad}/test`);
    expect(refused.json().data).toMatchObject({
      test_result: 'failed',
      details: { error_type: 'auth_error', http_status: 401 },
      status: 'error',
      health: 'unhealthy',
    });
  });

  it('answers 400 naming the entity field at create, update and test', async () => {
    const definitionId = await h.definitionId('custom-http');
    const post = (cfg: Record<string, unknown>) =>
      h.call('POST', '/integration-connections', {
        definition_id: definitionId,
        name: `bad ${Math.random()}`,
        config: cfg,
      });

    const shape = await post({ ...config(), entities: [ENTITIES[0], { ...ENTITIES[1], records_path: 5 }] });
    expect(shape.statusCode).toBe(400);
    expect(fieldsOf(shape)).toEqual(['config.entities.1.records_path']);

    const duplicate = await post({ ...config(), entities: [ENTITIES[0], { ...ENTITIES[2], name: 'users' }] });
    expect(duplicate.statusCode).toBe(400);
    expect(fieldsOf(duplicate)).toEqual(['config.entities.1.name']);

    const elsewhere = await post({
      ...config(),
      entities: [{ name: 'meta', path: 'http://169.254.169.254/latest' }],
    });
    expect(elsewhere.statusCode).toBe(400);
    expect(fieldsOf(elsewhere)).toEqual(['config.entities.0.path']);

    const cursorless = await post({
      ...config(),
      entities: [ENTITIES[0], ENTITIES[1], { ...ENTITIES[1], name: 'more', pagination: { style: 'cursor' } }],
    });
    expect(cursorless.statusCode).toBe(400);
    expect(fieldsOf(cursorless)).toEqual(['config.entities.2.pagination.cursor_path']);

    const id = await h.create('custom-http', config());
    const update = await h.call('PUT', `/integration-connections/${id}`, {
      config: { entities: [ENTITIES[0], { ...ENTITIES[3], name: 'users' }] },
    });
    expect(update.statusCode).toBe(400);
    expect(fieldsOf(update)).toEqual(['config.entities.1.name']);

    const root = await seedUser(t, { superAdmin: true });
    const adminTest = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/integrations/${definitionId}/test`,
      headers: root.auth,
      payload: { config: { ...config(), auth_type: 'bearer' } },
    });
    expect(adminTest.statusCode, adminTest.body).toBe(400);
    expect(fieldsOf(adminTest)).toEqual(['config.token']);
  });

  it('syncs every entity in its pagination style, the key kept out of logs and cursors; the preview equals the truth', async () => {
    const id = await h.connected('custom-http', config());
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    const total = Object.values(truth()).reduce((a, b) => a + b, 0);
    expect(run.stats).toMatchObject({ items_synced: total, items_created: total, items_failed: 0 });
    expect(await h.entityCounts(id)).toEqual(truth());

    const logs = await h.call('GET', `/integration-connections/${id}/runs/${run.id}/logs?per_page=200`);
    expect(logs.statusCode).toBe(200);
    expect(logs.json().data.map((l: { message: string }) => l.message)).toEqual(
      expect.arrayContaining(['Listed 60 users (0 without an id)', 'Listed 33 devices (0 without an id)']),
    );
    expect(logs.body).not.toContain(KEY);
    const stored = await t.ctx.database.db
      .selectFrom('sync_cursors')
      .selectAll()
      .where('connection_id', '=', id)
      .execute();
    expect(stored.map((c) => c.entity).sort()).toEqual(Object.keys(truth()).sort());
    expect(JSON.stringify(stored)).not.toContain(KEY);

    const preview = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().data).toEqual({
      provider: 'custom_http',
      preview: {
        total_records: total,
        entities: Object.fromEntries(Object.entries(truth()).map(([name, n]) => [name, { records: n }])),
      },
      last_synced_at: expect.any(String),
    });
  });

  it('re-syncs incrementally: the since parameter from the greatest updated_at, only changed users', async () => {
    const id = await h.connected('custom-http', config({ entities: [ENTITIES[0]!] }));
    const first = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(first.status).toBe('completed');
    const latest = api.data.users.at(-1)!.updated_at!;
    const changed = api.touchUser('u-0042', { email: 'changed@example.com' });
    const seen = api.requests.length;
    const next = await h.settled(id, await h.trigger(id));
    expect(next.status, next.error_message ?? '').toBe('completed');
    expect(next.stats).toMatchObject({
      items_synced: 1,
      items_updated: 1,
      items_created: 0,
      items_deleted: 0,
    });
    expect(api.requests.slice(seen).map((r) => decodeURIComponent(r.path))).toEqual([
      `/v1/users?since=${latest}&per_page=25&api_key=${KEY}`,
    ]);
    const record = (await h.records(id)).find((r) => r.external_id === 'u-0042')!;
    expect(JSON.stringify(record.data)).toContain(changed.email);
  });

  it('ends partial when a record has no id at id_field, storing the others', async () => {
    api.data.tickets.splice(10, 1, { subject: 'no id', status: 'open' } as never);
    const id = await h.connected('custom-http', config({ entities: [ENTITIES[2]!] }));
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status).toBe('partial');
    expect(run.stats).toMatchObject({ items_failed: 1, items_synced: api.data.tickets.length - 1 });
    expect(run.error_details).toEqual({
      failed_items: [{ item: 'tickets #11', error: 'has no id at "id" (nothing)' }],
    });
  });

  it('survives a 429 by waiting for its Retry-After', async () => {
    const id = await h.connected('custom-http', config({ entities: [ENTITIES[1]!] }));
    api.failNext({
      status: 429,
      path: '/v1/channels',
      headers: { 'retry-after': '1' },
      body: { error: 'ratelimited' },
    });
    const seen = api.requests.length;
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    expect(run.retry_count).toBe(0);
    const statuses = api.requests.slice(seen).map((r) => r.status);
    expect(statuses.slice(0, 2)).toEqual([429, 200]);
    expect(await h.entityCounts(id)).toEqual({ channels: api.data.channels.length });
  });

  it('fails a run naming the entity whose answer is not JSON, the key nowhere in it', async () => {
    const id = await h.connected(
      'custom-http',
      config({ entities: [{ name: 'status', path: '/v1/status' }] }),
    );
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status).toBe('failed');
    expect(run.error_message).toMatch(/^Listing status failed: the answer to GET \/v1\/status is not JSON/);
    expect(run.error_message).not.toContain(KEY);
  });

  it('cancels a sync held mid-way: the request is dropped and the run ends cancelled', async () => {
    const id = await h.connected('custom-http', config());
    const held = api.hold('/v1/tickets');
    const seen = api.requests.length;
    const runId = await h.trigger(id, { full_sync: true });
    await held;
    await vi.waitFor(
      async () =>
        expect((await h.run(id, runId)).stats.items_synced).toBe(
          api.data.users.length + api.data.channels.length,
        ),
      { timeout: 5000, interval: 5 },
    );
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('cancelled');
    await vi.waitFor(() => expect(api.abandoned).toEqual([expect.stringMatching(/^\/v1\/tickets\?/)]), {
      timeout: 5000,
      interval: 5,
    });
    api.release();
    expect((await h.run(id, runId)).status).toBe('cancelled');
    expect(await h.entityCounts(id)).toEqual({
      users: api.data.users.length,
      channels: api.data.channels.length,
    });
    expect(api.requests.slice(seen).filter((r) => r.path.startsWith('/v1/devices'))).toEqual([]);
  });
});

/**
 * The custom HTTP connector through the test kit (the context the engine builds), against the fake
 * JSON API of test/fakes/custom-http: each pagination style, each auth choice, the query key kept
 * out of cursors, logs and errors, incremental listings, records without an id, bad answers, the
 * config checks the schema cannot make, and the preview.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CustomHttpConfig,
  customHttpConnector,
  customHttpDefinition,
  type EntityConfig,
} from '../../src/connectors/custom-http/index.js';
import { ProviderError, type StoredRecords, type SyncBatch } from '../../src/connectors/sdk.js';
import { collectSync, type TestKit, testContext } from '../../src/connectors/toolkit/test-kit.js';
import { validateConfig } from '../../src/modules/catalog/config-schema.js';
import { InvalidFieldsError } from '../../src/platform/errors.js';
import { type FakeJsonApi, startFakeJsonApi } from '../fakes/custom-http/server.js';

const Ajv2020 = Ajv2020Module.default;

let api: FakeJsonApi;

beforeEach(async () => {
  api = await startFakeJsonApi({ users: 60, channels: 45, tickets: 70, devices: 33, teams: 4 });
});
afterEach(async () => {
  await api.close();
});

const ENTITIES = {
  users: {
    name: 'users',
    path: '/v1/users',
    pagination: { style: 'link', size_param: 'per_page', page_size: 25 },
    incremental: { param: 'since', field: 'updated_at' },
  },
  channels: {
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
  tickets: {
    name: 'tickets',
    path: '/v1/tickets',
    records_path: 'results',
    pagination: { style: 'offset', page_size: 30 },
  },
  devices: {
    name: 'devices',
    path: '/v1/devices',
    records_path: 'data.devices',
    id_field: 'attributes.serial',
    pagination: { style: 'page', page_size: 15 },
  },
  teams: { name: 'teams', path: '/v1/teams', records_path: 'teams' },
} satisfies Record<string, EntityConfig>;

function config(extra: Partial<CustomHttpConfig> = {}): CustomHttpConfig {
  return { base_url: api.url, entities: Object.values(ENTITIES), ...extra };
}

const kit = (extra: Partial<CustomHttpConfig> = {}, options: Parameters<typeof testContext>[2] = {}) =>
  testContext(customHttpConnector, config(extra), options);

/** Each entity's record ids in the order synced. */
function idsByEntity(batches: SyncBatch[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const batch of batches)
    out[batch.entity] = [...(out[batch.entity] ?? []), ...batch.records.map((r) => r.id)];
  return out;
}

/** The last cursor each entity gave, as the engine saves them. */
function cursors(batches: SyncBatch[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const batch of batches) if (batch.cursor) out[batch.entity] = batch.cursor;
  return out;
}

const paths = (k: TestKit<CustomHttpConfig>, prefix: string) =>
  k.requests.filter((r) => r.path.startsWith(prefix)).map((r) => decodeURIComponent(r.path));

describe('custom-http sync: one listing in each pagination style', () => {
  it('lists every entity to its end, each record under its id, a cursor after each page', async () => {
    const k = kit();
    const { batches, log } = await collectSync(customHttpConnector, k);
    expect(idsByEntity(batches)).toEqual({
      users: api.data.users.map((u) => u.id),
      channels: api.data.channels.map((c) => c.id),
      tickets: api.data.tickets.map((t) => String(t.id)),
      devices: api.data.devices.map((d) => d.attributes.serial),
      teams: api.data.teams.map((t) => t.id),
    });
    expect(batches.every((b) => (b.failed ?? []).length === 0)).toBe(true);
    // The record is the provider's object as it came.
    expect(batches.find((b) => b.entity === 'devices')!.records[0]!.data).toEqual(api.data.devices[0]);
    // Link: rel="next" followed until absent.
    expect(paths(k, '/v1/users')).toEqual([
      '/v1/users?per_page=25',
      '/v1/users?per_page=25&page=2',
      '/v1/users?per_page=25&page=3',
    ]);
    // The body's cursor sent back as `cursor`, until next_cursor is empty.
    const channelPages = paths(k, '/v1/channels');
    expect(channelPages).toHaveLength(3);
    expect(channelPages[0]).toBe('/v1/channels?limit=20');
    expect(channelPages[1]).toMatch(/^\/v1\/channels\?limit=20&cursor=/);
    // Offsets by the page's length; the short page is the last.
    expect(paths(k, '/v1/tickets')).toEqual([
      '/v1/tickets?limit=30&offset=0',
      '/v1/tickets?limit=30&offset=30',
      '/v1/tickets?limit=30&offset=60',
    ]);
    expect(paths(k, '/v1/devices')).toEqual([
      '/v1/devices?per_page=15&page=1',
      '/v1/devices?per_page=15&page=2',
      '/v1/devices?per_page=15&page=3',
    ]);
    expect(paths(k, '/v1/teams')).toEqual(['/v1/teams']);
    expect(log.filter((l) => l.message.startsWith('Listed'))).toHaveLength(5);
    // The last cursor of each entity says it was listed to its end.
    for (const cursor of Object.values(cursors(batches))) expect(JSON.parse(cursor).next).toBeNull();
  });

  it('resumes each entity from its own cursor, and counts an entity listed earlier in the run as seen', async () => {
    const first = await collectSync(customHttpConnector, kit());
    const channelsMid = first.batches.find((b) => b.entity === 'channels')!;
    const usersDone = cursors(first.batches).users!;
    const k = kit();
    const resumed = await collectSync(customHttpConnector, k, {
      fullSync: true,
      cursors: { users: usersDone, channels: channelsMid.cursor! },
    });
    const ids = idsByEntity(resumed.batches);
    // users: listed by the earlier attempt, no request; an empty batch keeps it seen.
    expect(paths(k, '/v1/users')).toEqual([]);
    expect(resumed.batches.filter((b) => b.entity === 'users')).toEqual([
      { entity: 'users', records: [], cursor: usersDone },
    ]);
    // channels: from its second page on.
    expect(ids.channels).toEqual(api.data.channels.slice(20).map((c) => c.id));
    expect(ids.tickets).toHaveLength(api.data.tickets.length);
  });

  it('starts page numbers where the config says, with its own parameter names', async () => {
    const devices: EntityConfig = {
      ...ENTITIES.devices,
      pagination: {
        style: 'page',
        page_param: 'page',
        size_param: 'per_page',
        first_page: 1,
        page_size: 100,
      },
    };
    const k = kit({ entities: [devices] });
    const { batches } = await collectSync(customHttpConnector, k);
    expect(batches).toHaveLength(1);
    expect(paths(k, '/v1/devices')).toEqual(['/v1/devices?per_page=100&page=1']);
  });
});

describe('custom-http authentication', () => {
  const bearer = { auth_type: 'bearer', token: 'tok-1' } as const;

  it.each([
    [
      'none',
      { kind: 'none' },
      {},
      (r: { headers: Record<string, string>; path: string }) => {
        expect(r.headers.authorization).toBeUndefined();
      },
    ],
    [
      'a bearer token',
      { kind: 'bearer', token: 'tok-1' },
      bearer,
      (r: { headers: Record<string, string> }) => {
        expect(r.headers.authorization).toBe('Bearer tok-1');
      },
    ],
    [
      'an API key in a header',
      { kind: 'api_key', in: 'header', name: 'X-API-Key', key: 'key-1' },
      { auth_type: 'api_key', api_key: 'key-1', key_in: 'header', key_name: 'X-API-Key' },
      (r: { headers: Record<string, string> }) => expect(r.headers['x-api-key']).toBe('key-1'),
    ],
    [
      'an API key in a query parameter',
      { kind: 'api_key', in: 'query', name: 'api_key', key: 'key-1' },
      { auth_type: 'api_key', api_key: 'key-1', key_in: 'query', key_name: 'api_key' },
      (r: { headers: Record<string, string>; path: string }) => {
        expect(new URL(r.path, 'http://x').searchParams.get('api_key')).toBe('key-1');
        expect(r.headers['x-api-key']).toBeUndefined();
      },
    ],
    [
      'HTTP Basic',
      { kind: 'basic', username: 'svc', password: 'pw' },
      { auth_type: 'basic', username: 'svc', password: 'pw' },
      (r: { headers: Record<string, string> }) =>
        expect(r.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw').toString('base64')}`),
    ],
  ] as const)('sends %s on every request, and the extra headers', async (_, fakeAuth, auth, check) => {
    api.auth = fakeAuth;
    const k = kit({ ...auth, headers: { 'X-Api-Version': '2024-06-01' }, test_path: '/v1/me' });
    expect(await customHttpConnector.test(k.ctx)).toMatchObject({ ok: true });
    const { batches } = await collectSync(customHttpConnector, k);
    expect(idsByEntity(batches).users).toHaveLength(api.data.users.length);
    expect(k.requests.length).toBeGreaterThan(10);
    for (const request of k.requests) {
      check(request);
      expect(request.headers['x-api-version']).toBe('2024-06-01');
      expect(request.headers.accept).toBe('application/json');
    }
  });

  it('keeps a query key out of cursors, run logs and errors, though the API echoes it in its links', async () => {
    api.auth = { kind: 'api_key', in: 'query', name: 'api_key', key: 'key-SECRET' };
    const k = kit({ auth_type: 'api_key', api_key: 'key-SECRET', key_in: 'query', key_name: 'api_key' });
    const { batches, log } = await collectSync(customHttpConnector, k);
    expect(k.requests.every((r) => r.path.includes('api_key=key-SECRET'))).toBe(true);
    expect(JSON.stringify(batches.map((b) => b.cursor))).not.toContain('key-SECRET');
    expect(JSON.stringify(log)).not.toContain('key-SECRET');
    // An error names the entity and the request, not the key.
    api.failNext({ status: 500, path: '/v1/users?per_page=25&page=2', body: { error: 'boom' } });
    const failed = await collectSync(
      customHttpConnector,
      kit({ auth_type: 'api_key', api_key: 'key-SECRET', key_in: 'query', key_name: 'api_key' }),
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProviderError);
    expect((failed as ProviderError).message).toMatch(/^Listing users failed: HTTP 500/);
    expect((failed as ProviderError).message).not.toContain('key-SECRET');
    const notJson = await collectSync(
      customHttpConnector,
      kit({
        auth_type: 'api_key',
        api_key: 'key-SECRET',
        key_in: 'query',
        key_name: 'api_key',
        entities: [{ name: 'status', path: '/v1/status' }],
      }),
    ).catch((e: unknown) => e);
    expect((notJson as Error).message).not.toContain('key-SECRET');
  });
});

describe('custom-http test', () => {
  it('proves the credential with a GET of test_path, or of the first entity’s path', async () => {
    const k = kit();
    expect(await customHttpConnector.test(k.ctx)).toEqual({
      ok: true,
      message: 'Connected: GET /v1/users answered HTTP 200',
      details: { test_path: '/v1/users', http_status: 200 },
    });
    const me = kit({ test_path: '/v1/me' });
    await customHttpConnector.test(me.ctx);
    expect(me.requests.map((r) => r.path)).toEqual(['/v1/me']);
  });

  it('reads 401 as auth_error, 403 as permission_error and anything else as provider_error', async () => {
    api.auth = { kind: 'bearer', token: 'tok-1' };
    expect(await customHttpConnector.test(kit({ auth_type: 'bearer', token: 'wrong' }).ctx)).toMatchObject({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 401,
      providerMessage: expect.stringContaining('invalid_token'),
    });
    api.deny('/v1/me');
    expect(
      await customHttpConnector.test(kit({ auth_type: 'bearer', token: 'tok-1', test_path: '/v1/me' }).ctx),
    ).toMatchObject({ ok: false, errorType: 'permission_error', httpStatus: 403 });
    expect(
      await customHttpConnector.test(
        kit({ auth_type: 'bearer', token: 'tok-1', test_path: '/v1/nothing' }).ctx,
      ),
    ).toMatchObject({ ok: false, errorType: 'provider_error', httpStatus: 404 });
    api.failNext({ status: 503 });
    expect(await customHttpConnector.test(kit({ auth_type: 'bearer', token: 'tok-1' }).ctx)).toMatchObject({
      ok: false,
      errorType: 'provider_error',
      httpStatus: 503,
    });
  });
});

describe('custom-http incremental sync', () => {
  it('sends the greatest value of the field seen as the parameter on the next run', async () => {
    const first = await collectSync(customHttpConnector, kit({ entities: [ENTITIES.users] }));
    const saved = cursors(first.batches);
    const latest = api.data.users.at(-1)!.updated_at!;
    expect(JSON.parse(saved.users!)).toEqual({ next: null, high: latest });
    const changed = api.touchUser('u-0007', { email: 'new@example.com' });
    const k = kit({ entities: [ENTITIES.users] });
    const next = await collectSync(customHttpConnector, k, { fullSync: false, cursors: saved });
    expect(paths(k, '/v1/users')).toEqual([`/v1/users?since=${latest}&per_page=25`]);
    expect(idsByEntity(next.batches)).toEqual({ users: ['u-0007'] });
    expect(JSON.parse(cursors(next.batches).users!).high).toBe(changed.updated_at);
    // Nothing changed since: the same value again, nothing listed.
    const quiet = kit({ entities: [ENTITIES.users] });
    const none = await collectSync(customHttpConnector, quiet, {
      fullSync: false,
      cursors: cursors(next.batches),
    });
    expect(idsByEntity(none.batches)).toEqual({ users: [] });
    expect(JSON.parse(cursors(none.batches).users!).high).toBe(changed.updated_at);
  });

  it('lists an entity without incremental settings in full on every run', async () => {
    const first = await collectSync(customHttpConnector, kit({ entities: [ENTITIES.tickets] }));
    const k = kit({ entities: [ENTITIES.tickets] });
    const again = await collectSync(customHttpConnector, k, {
      fullSync: false,
      cursors: cursors(first.batches),
    });
    expect(idsByEntity(again.batches).tickets).toHaveLength(api.data.tickets.length);
    expect(paths(k, '/v1/tickets')[0]).toBe('/v1/tickets?limit=30&offset=0');
  });
});

describe('custom-http answers it cannot use', () => {
  it('fails a record without an id alone, naming its place in the listing', async () => {
    api.data.users.splice(3, 0, { login: 'ghost', email: 'ghost@example.com' });
    const { batches } = await collectSync(customHttpConnector, kit({ entities: [ENTITIES.users] }));
    expect(batches.flatMap((b) => b.failed ?? [])).toEqual([
      {
        item: 'users #4',
        error: 'has no id at "id" (nothing)',
        details: { entity: 'users', position: 4 },
      },
    ]);
    expect(idsByEntity(batches).users).toHaveLength(api.data.users.length - 1);
  });

  it('fails the listing naming the entity when records_path holds no list', async () => {
    const k = kit({ entities: [{ ...ENTITIES.devices, records_path: 'meta' }] });
    const error = await collectSync(customHttpConnector, k).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      failure: 'permanent',
      message:
        'Listing devices failed: records_path "meta" is an object in the answer, not a list of records',
    });
  });

  it('fails the listing naming the entity when the answer is not JSON', async () => {
    const k = kit({ entities: [{ name: 'status', path: '/v1/status' }] });
    const error = await collectSync(customHttpConnector, k).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(
      /^Listing status failed: the answer to GET \/v1\/status is not JSON/,
    );
  });

  it('waits out a 429 for its Retry-After and goes on', async () => {
    api.failNext({
      status: 429,
      path: '/v1/channels',
      headers: { 'retry-after': '2' },
      body: { error: 'rate_limited' },
    });
    const k = kit({ entities: [ENTITIES.channels] });
    const { batches } = await collectSync(customHttpConnector, k);
    expect(k.waits).toEqual([2000]);
    expect(idsByEntity(batches).channels).toHaveLength(api.data.channels.length);
  });
});

describe('custom-http config', () => {
  const check = (extra: Partial<CustomHttpConfig>) => customHttpDefinition.checkConfig!(config(extra));

  it('accepts a config the schema accepts and whose parts agree', () => {
    expect(check({})).toEqual([]);
    expect(check({ auth_type: 'basic', username: 'svc' })).toEqual([]);
    expect(check({ entities: [{ name: 'a', path: `${api.url}/v1/users` }] })).toEqual([]);
  });

  it('names the fields an auth type needs', () => {
    expect(check({ auth_type: 'bearer' })).toEqual([
      { field: 'config.token', message: 'is required when auth_type is bearer' },
    ]);
    expect(check({ auth_type: 'api_key', key_in: 'query' }).map((i) => i.field)).toEqual([
      'config.api_key',
      'config.key_name',
    ]);
    expect(check({ auth_type: 'api_key', api_key: 'k', key_name: 'X Key' })).toEqual([
      { field: 'config.key_name', message: 'is not a valid header name' },
    ]);
    expect(check({ auth_type: 'basic' }).map((i) => i.field)).toEqual(['config.username']);
  });

  it('names duplicate entities, paths off base_url’s origin and a cursor style without its field', () => {
    const issues = check({
      test_path: 'https://elsewhere.example/me',
      entities: [
        { name: 'users', path: '/v1/users' },
        { name: 'users', path: 'http://169.254.169.254/latest/meta-data' },
        { name: 'channels', path: '/v1/channels', pagination: { style: 'cursor' } },
      ],
    });
    expect(issues.map((i) => i.field)).toEqual([
      'config.test_path',
      'config.entities.1.path',
      'config.entities.2.pagination.cursor_path',
      'config.entities.1.name',
    ]);
    expect(issues.find((i) => i.field === 'config.entities.1.name')!.message).toBe(
      'is already the name of entities.0',
    );
  });

  it('is validated by the catalog’s validator, naming entity fields and filling defaults', () => {
    const schema = { ...customHttpDefinition.configSchema };
    const filled = validateConfig(schema, { base_url: api.url, entities: [{ name: 'a', path: '/a' }] });
    expect(filled).toEqual({
      base_url: api.url,
      auth_type: 'none',
      key_in: 'header',
      entities: [
        {
          name: 'a',
          path: '/a',
          records_path: '',
          id_field: 'id',
          pagination: { style: 'none', page_size: 100 },
        },
      ],
    });
    const bad = () =>
      validateConfig(schema, {
        base_url: api.url,
        entities: [
          { name: 'a', path: '/a' },
          { name: 'B', path: '/b', records_path: 'data..items', pagination: { style: 'pages' } },
        ],
      });
    expect(bad).toThrow(InvalidFieldsError);
    const fields = (() => {
      try {
        bad();
        return [];
      } catch (error) {
        return (error as InvalidFieldsError).fields.map((f) => f.field);
      }
    })();
    expect(fields).toEqual(
      expect.arrayContaining([
        'config.entities.1.name',
        'config.entities.1.records_path',
        'config.entities.1.pagination.style',
      ]),
    );
    expect(() => validateConfig(schema, { base_url: api.url, entities: [] })).toThrow(/config.entities/);
  });
});

describe('custom-http preview', () => {
  it('counts the stored records of each entity of the config', async () => {
    const { batches } = await collectSync(customHttpConnector, kit());
    const byEntity = new Map<string, Record<string, unknown>[]>();
    for (const batch of batches)
      byEntity.set(batch.entity, [
        ...(byEntity.get(batch.entity) ?? []),
        ...batch.records.map((r) => r.data),
      ]);
    const records: StoredRecords = {
      async *each(entity) {
        yield* byEntity.get(entity) ?? [];
      },
    };
    const total =
      api.data.users.length +
      api.data.channels.length +
      api.data.tickets.length +
      api.data.devices.length +
      api.data.teams.length;
    const preview = await customHttpConnector.preview(records, config());
    const ajv = new Ajv2020({ strict: true });
    expect(ajv.validate(customHttpConnector.previewSchema, preview), ajv.errorsText()).toBe(true);
    expect(preview).toEqual({
      total_records: total,
      entities: {
        users: { records: api.data.users.length },
        channels: { records: api.data.channels.length },
        tickets: { records: api.data.tickets.length },
        devices: { records: api.data.devices.length },
        teams: { records: api.data.teams.length },
      },
    });
  });
});

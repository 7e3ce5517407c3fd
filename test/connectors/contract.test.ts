/**
 * The contract every registered connector satisfies, one suite for all of them. Each connector folder
 * exports a `contractFixture` from `fixture.ts` (its connector, a config `test` accepts and,
 * optionally, one whose credentials the provider refuses); connectors that need a network will be
 * pointed at the provider fakes in test/fakes/.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import {
  AUTH_TYPES,
  CAPABILITIES,
  CATEGORIES,
  type Capability,
  type Connector,
  type ConnectorContext,
  isSecretField,
  type ProviderErrorType,
  type StoredRecords,
  type SyncBatch,
  type SyncContext,
  type TestOutcome,
} from '../../src/connectors/sdk.js';
import { testContext } from '../../src/connectors/toolkit/test-kit.js';
import { checkConfigSchema } from '../../src/modules/catalog/config-schema.js';
import { RESERVED_SLUGS } from '../../src/modules/catalog/store.js';
import { looksSecret } from '../../src/platform/logging/logger.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = formatsModule.default;

const CONNECTORS_DIR = fileURLToPath(new URL('../../src/connectors', import.meta.url));
const SYNC_CAPABILITIES = ['sync_users', 'sync_resources', 'sync_configurations'];
// A Record, so the compiler fails this file when the sdk adds an error type.
const ERROR_TYPES: Record<ProviderErrorType, true> = {
  auth_error: true,
  network_error: true,
  permission_error: true,
  rate_limited: true,
  provider_error: true,
};

interface ContractFixture {
  connector: Connector;
  validConfig: Record<string, unknown>;
  invalidCredentialsConfig?: Record<string, unknown>;
  /** A connector that calls a provider: its fake (test/fakes/<folder>/contract.ts), started per suite. */
  startFake?: () => Promise<FakeProvider>;
}

interface FakeProvider {
  validConfig: Record<string, unknown>;
  invalidCredentialsConfig?: Record<string, unknown>;
  stop(): Promise<void>;
}

const FAKES_DIR = fileURLToPath(new URL('../fakes', import.meta.url));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Loads every connector folder's fixture; what is missing or malformed is reported, not thrown. */
async function loadFixtures(): Promise<{ fixtures: Map<Connector, ContractFixture>; problems: string[] }> {
  const fixtures = new Map<Connector, ContractFixture>();
  const problems: string[] = [];
  // Every folder but the toolkit is a connector.
  const folders = readdirSync(CONNECTORS_DIR, { withFileTypes: true }).filter(
    (d) => d.isDirectory() && d.name !== 'toolkit',
  );
  for (const { name } of folders) {
    const file = join(CONNECTORS_DIR, name, 'fixture.ts');
    if (!existsSync(file)) {
      problems.push(`src/connectors/${name} has no fixture.ts`);
      continue;
    }
    const module: unknown = await import(pathToFileURL(file).href);
    const fixture = isRecord(module) ? module.contractFixture : undefined;
    const connector = isRecord(fixture) ? connectors.find((c) => c === fixture.connector) : undefined;
    if (!isRecord(fixture) || !connector) {
      problems.push(`src/connectors/${name}/fixture.ts: contractFixture.connector is not in the registry`);
      continue;
    }
    const fakeFile = join(FAKES_DIR, name, 'contract.ts');
    const fake: unknown = existsSync(fakeFile) ? await import(pathToFileURL(fakeFile).href) : undefined;
    const startFake = isRecord(fake) ? fake.startContractFake : undefined;
    if (existsSync(fakeFile) && typeof startFake !== 'function') {
      problems.push(`test/fakes/${name}/contract.ts exports no startContractFake`);
      continue;
    }
    // A connector with a fake takes its configs from it (they point at where it listens).
    const validConfig = typeof startFake === 'function' ? {} : fixture.validConfig;
    const invalidCredentialsConfig = typeof startFake === 'function' ? {} : fixture.invalidCredentialsConfig;
    if (
      !isRecord(validConfig) ||
      !(invalidCredentialsConfig === undefined || isRecord(invalidCredentialsConfig))
    ) {
      problems.push(`src/connectors/${name}/fixture.ts: configs must be objects`);
      continue;
    }
    fixtures.set(connector, {
      connector,
      validConfig,
      invalidCredentialsConfig,
      ...(typeof startFake === 'function' ? { startFake: startFake as () => Promise<FakeProvider> } : {}),
    });
  }
  return { fixtures, problems };
}

const { fixtures, problems } = await loadFixtures();

// Config schemas are JSON Schema 2020-12, as the catalog validates them; strict here so that a typo
// in a keyword fails this suite instead of being ignored as an annotation.
/** `strictRequired` off lets a schema require one of several fields (`anyOf: [{ required }]`). */
function strictAjv(options: { strictRequired?: boolean } = {}) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, ...options });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv;
}

function context(
  connector: Connector,
  config: Record<string, unknown>,
  signal = new AbortController().signal,
): ConnectorContext<Record<string, unknown>> {
  return testContext(connector, config, { signal }).ctx;
}

function expectWellFormed(outcome: TestOutcome): void {
  expect(outcome.message).toMatch(/\S/);
  if (outcome.ok) {
    expect(isRecord(outcome.details)).toBe(true);
    // Stored and returned as JSON, so it must survive the round trip unchanged.
    expect(JSON.parse(JSON.stringify(outcome.details))).toEqual(outcome.details);
  } else {
    expect(Object.keys(ERROR_TYPES)).toContain(outcome.errorType);
    if (outcome.httpStatus !== undefined) {
      expect(
        Number.isInteger(outcome.httpStatus) && outcome.httpStatus >= 100 && outcome.httpStatus < 600,
      ).toBe(true);
    }
    if (outcome.providerMessage !== undefined) expect(typeof outcome.providerMessage).toBe('string');
  }
}

describe('the connector registry', () => {
  it('has unique slugs', () => {
    const slugs = connectors.map((c) => c.definition.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
  });

  it('has a contract fixture for every connector folder and every connector', () => {
    expect(problems).toEqual([]);
    expect(connectors.filter((c) => !fixtures.has(c)).map((c) => c.definition.slug)).toEqual([]);
  });
});

describe.each(connectors)('connector $definition.slug', (connector) => {
  const { definition } = connector;
  const schema = definition.configSchema;
  const started = fixtures.get(connector);
  let fake: FakeProvider | undefined;
  beforeAll(async () => {
    if (!started?.startFake) return;
    fake = await started.startFake();
    started.validConfig = fake.validConfig;
    started.invalidCredentialsConfig = fake.invalidCredentialsConfig;
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it.runIf(connector.actions !== undefined)(
    'describes each action, with an input schema Ajv compiles in strict mode',
    () => {
      for (const [name, action] of Object.entries(connector.actions ?? {})) {
        expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
        expect(action.description).toMatch(/\S/);
        expect(() => strictAjv({ strictRequired: false }).compile(action.inputSchema), name).not.toThrow();
      }
    },
  );

  it.runIf(connector.webhooks !== undefined)(
    'names its webhook scheme and refuses an unsigned delivery, and one signed with another secret',
    async () => {
      const { scheme } = connector.webhooks!;
      expect(scheme.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(['hmac', 'standard-webhooks']).not.toContain(scheme.name);
      expect(scheme.signatureHeader).toMatch(/^[A-Za-z0-9-]+$/);
      const rawBody = Buffer.from('{"type":"contract"}');
      const unsigned = { method: 'POST' as const, headers: {}, rawBody, receivedAt: new Date() };
      expect((await scheme.verify(unsigned, 'whsec_contract-secret')).ok).toBe(false);
      const forged = {
        ...unsigned,
        headers: { [scheme.signatureHeader.toLowerCase()]: 'sha256=00', authorization: 'whsec_other' },
      };
      expect((await scheme.verify(forged, 'whsec_contract-secret')).ok).toBe(false);
    },
  );

  it('implements a hook for each capability that needs one', () => {
    const has = (capability: Capability) => definition.capabilities.includes(capability);
    expect(connector.webhooks !== undefined).toBe(has('receive_webhooks'));
    expect(connector.search !== undefined).toBe(has('search'));
    const actions = Object.keys(connector.actions ?? {}).length;
    if (has('create_tickets') || has('send_notifications') || has('run_scans'))
      expect(actions).toBeGreaterThan(0);
  });

  it('calls its provider through a declared API, or through none', () => {
    const api = definition.api;
    if (!api) return;
    if (typeof api.baseUrl === 'string') expect(new URL(api.baseUrl).protocol).toBe('https:');
    if (api.baseUrlFrom) expect(Object.keys(schema.properties)).toContain(api.baseUrlFrom);
    // A credential the config chooses is checked through the connector's own tests.
    const credential = typeof api.credential === 'function' ? undefined : api.credential;
    // An OAuth2 connector may also take a pasted token (Slack's bot token); its OAuth token wins.
    if (credential?.kind === 'oauth2') expect(definition.authType).toBe('oauth2');
    if (credential?.kind === 'header' || credential?.kind === 'query')
      expect(isSecretField(schema.properties[credential.field]!)).toBe(true);
    // Every connector with a provider API lets a tenant point it elsewhere (Enterprise hosts, proxies, tests).
    expect(schema.properties.base_url).toMatchObject({ type: 'string', format: 'uri' });
  });

  it('declares its identity in the catalog’s formats', () => {
    expect(definition.slug).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(definition.slug.length).toBeLessThanOrEqual(64);
    expect(RESERVED_SLUGS).not.toContain(definition.slug);
    expect(definition.provider).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(definition.name).toMatch(/\S/);
    expect(definition.shortDescription).toMatch(/\S/);
    expect(definition.description).toMatch(/\S/);
    expect(definition.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(() => new URL(definition.iconUrl, 'http://switchboard.invalid')).not.toThrow();
    // The catalog shows both as strings: https, or a path on this server.
    for (const url of [definition.documentationUrl, definition.websiteUrl]) {
      expect(url).toEqual(expect.any(String));
      const resolved = new URL(String(url), 'http://switchboard.invalid');
      const onThisServer = resolved.origin === 'http://switchboard.invalid';
      expect(onThisServer || resolved.protocol === 'https:', url).toBe(true);
    }
    for (const tag of definition.tags) expect(tag).toMatch(/^[a-z0-9][a-z0-9-]*$/);
  });

  it('uses the sdk’s categories, auth types and capabilities', () => {
    expect(CATEGORIES).toContain(definition.category);
    expect(AUTH_TYPES).toContain(definition.authType);
    expect(definition.capabilities.length).toBeGreaterThan(0);
    expect(new Set(definition.capabilities).size).toBe(definition.capabilities.length);
    for (const capability of definition.capabilities) expect(CAPABILITIES).toContain(capability);
  });

  it('names the entities it syncs', () => {
    const names = definition.entities.map((e) => e.name);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(new Set(names).size).toBe(names.length);
    for (const entity of definition.entities) expect(entity.description).toMatch(/\S/);
    // A connector whose entities are each connection's own declares them through `entitiesOf`.
    if (definition.capabilities.some((c) => SYNC_CAPABILITIES.includes(c)) && !definition.entitiesOf) {
      expect(names.length).toBeGreaterThan(0);
    }
  });

  it('has a config schema that Ajv compiles in strict mode, and the catalog accepts (patterns in linear time)', () => {
    expect(() => strictAjv().compile(schema)).not.toThrow();
    expect(() => checkConfigSchema({ ...schema })).not.toThrow();
    const required = schema.required ?? [];
    expect(new Set(required).size).toBe(required.length);
    for (const name of required) expect(Object.keys(schema.properties)).toContain(name);
  });

  it('gives every field a title and a default its own constraints accept', () => {
    const ajv = strictAjv();
    for (const [name, field] of Object.entries(schema.properties)) {
      expect(field.title, name).toMatch(/\S/);
      if (field.default !== undefined) {
        expect(ajv.validate(field, field.default), `${name}: ${ajv.errorsText()}`).toBe(true);
      }
    }
  });

  it('marks its secrets so the vault encrypts and masks them', () => {
    const fields = Object.entries(schema.properties);
    for (const [name, field] of fields) {
      if (looksSecret(name)) expect(isSecretField(field), `${name} looks secret`).toBe(true);
      if (isSecretField(field)) expect(field.type, name).toBe('string');
    }
    if (definition.authType === 'api_key' || definition.authType === 'basic') {
      expect(fields.some(([, field]) => isSecretField(field))).toBe(true);
    }
  });

  it('declares OAuth endpoints exactly when it authenticates with OAuth2', () => {
    expect(definition.oauth !== undefined).toBe(definition.authType === 'oauth2');
    if (definition.oauth) {
      expect(new URL(definition.oauth.authorizationUrl).protocol).toBe('https:');
      expect(new URL(definition.oauth.tokenUrl).protocol).toBe('https:');
      if (definition.oauth.revocationUrl)
        expect(new URL(definition.oauth.revocationUrl).protocol).toBe('https:');
      for (const scope of definition.oauth.scopes) expect(scope).toMatch(/^\S+$/);
    }
  });

  describe('test', () => {
    const fixture = fixtures.get(connector);
    // Compiled inside each test, so a broken schema fails its own test rather than the whole file.
    const validate = (config: Record<string, unknown>) => {
      const check = strictAjv().compile(schema);
      expect(check(config), JSON.stringify(check.errors)).toBe(true);
    };

    it.runIf(fixture)('accepts a valid config with a well-formed success', async () => {
      const config = fixture?.validConfig ?? {};
      validate(config);
      const outcome = await connector.test(context(connector, config));
      expectWellFormed(outcome);
      expect(outcome.ok).toBe(true);
    });

    it.runIf(fixture?.invalidCredentialsConfig)(
      'reports refused credentials as an auth_error',
      async (test) => {
        // A fake's configs are known once it has started: one may have no refused credentials.
        const config = fixture?.invalidCredentialsConfig;
        if (!config) return test.skip();
        validate(config);
        const outcome = await connector.test(context(connector, config));
        expectWellFormed(outcome);
        expect(outcome).toMatchObject({ ok: false, errorType: 'auth_error' });
      },
    );

    it.runIf(fixture)('rejects with the abort reason when its signal is already aborted', async () => {
      const controller = new AbortController();
      const reason = new Error('cancelled by the contract suite');
      controller.abort(reason);
      await expect(
        connector.test(context(connector, fixture?.validConfig ?? {}, controller.signal)),
      ).rejects.toBe(reason);
    });
  });

  describe('sync', () => {
    const fixture = fixtures.get(connector);
    const syncs = connector.definition.capabilities.some((c) => SYNC_CAPABILITIES.includes(c));
    const { definition } = connector;
    const declared = () => definition.entitiesOf?.(fixture?.validConfig ?? {}) ?? definition.entities;

    function syncContext(cursors: Record<string, string> = {}, signal = new AbortController().signal) {
      const ctx: SyncContext<Record<string, unknown>> = {
        ...context(connector, fixture?.validConfig ?? {}, signal),
        fullSync: Object.keys(cursors).length === 0,
        cursors,
        runLog: { log: () => {} },
      };
      return ctx;
    }

    async function collect(ctx: SyncContext<Record<string, unknown>>): Promise<SyncBatch[]> {
      const batches: SyncBatch[] = [];
      for await (const batch of connector.sync?.(ctx) ?? []) batches.push(batch);
      return batches;
    }

    it('implements sync exactly when it declares a sync capability', () => {
      expect(typeof connector.sync === 'function').toBe(syncs);
    });

    it.runIf(syncs && fixture)(
      'streams batches of declared entities with unique string ids and string cursors',
      async () => {
        const batches = await collect(syncContext());
        expect(batches.length).toBeGreaterThan(0);
        const seen = new Set<string>();
        for (const batch of batches) {
          expect(declared().map((e) => e.name)).toContain(batch.entity);
          if (batch.cursor !== undefined && batch.cursor !== null) expect(typeof batch.cursor).toBe('string');
          for (const record of batch.records) {
            expect(typeof record.id).toBe('string');
            const key = `${batch.entity}:${record.id}`;
            expect(seen.has(key), key).toBe(false);
            seen.add(key);
            expect(JSON.parse(JSON.stringify(record.data))).toEqual(record.data);
          }
        }
      },
    );

    it.runIf(syncs && fixture)(
      'resumes from a cursor it gave without repeating what came before it',
      async () => {
        const batches = await collect(syncContext());
        const firstWithCursor = batches.findIndex((b) => typeof b.cursor === 'string');
        expect(firstWithCursor).toBeGreaterThanOrEqual(0);
        const resumeAt = batches[firstWithCursor] as SyncBatch;
        const resumed = await collect(syncContext({ [resumeAt.entity]: resumeAt.cursor as string }));
        const before = new Set(
          batches.slice(0, firstWithCursor + 1).flatMap((b) => b.records.map((r) => `${b.entity}:${r.id}`)),
        );
        for (const batch of resumed) {
          for (const record of batch.records) expect(before.has(`${batch.entity}:${record.id}`)).toBe(false);
        }
      },
    );

    it.runIf(syncs && fixture && connector.preview)(
      'previews what a sync stored as JSON, from the stored records alone, in the shape its previewSchema documents',
      async () => {
        const stored = new Map<string, Map<string, Record<string, unknown>>>();
        for (const batch of await collect(syncContext())) {
          const records = stored.get(batch.entity) ?? new Map();
          for (const record of batch.records) records.set(record.id, record.data);
          stored.set(batch.entity, records);
        }
        const records: StoredRecords = {
          async *each(entity) {
            yield* stored.get(entity)?.values() ?? [];
          },
        };
        const preview = await connector.preview!(records, fixture?.validConfig ?? {});
        expect(isRecord(preview)).toBe(true);
        expect(Object.keys(preview).length).toBeGreaterThan(0);
        expect(JSON.parse(JSON.stringify(preview))).toEqual(preview);
        expect(connector.previewSchema).toBeDefined();
        const validate = strictAjv().compile(connector.previewSchema as object);
        expect(validate(preview), JSON.stringify(validate.errors)).toBe(true);
      },
    );

    it.runIf(syncs && fixture)('stops with the abort reason when its signal is aborted', async () => {
      const controller = new AbortController();
      const reason = new Error('cancelled by the contract suite');
      controller.abort(reason);
      await expect(collect(syncContext({}, controller.signal))).rejects.toBe(reason);
    });
  });
});

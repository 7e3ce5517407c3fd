import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorDefinition, TestOutcome } from '../../src/connectors/sdk.js';
import { syncCatalog } from '../../src/modules/catalog/service.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const SECRET = 'good-token-do-not-log';

/** A provider with one endpoint, `GET <base>/me`, that accepts one bearer token. */
function startProvider(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url !== '/api/me') {
      res.writeHead(404).end(JSON.stringify({ message: 'Not Found' }));
    } else if (req.headers.authorization !== `Bearer ${SECRET}`) {
      res.writeHead(401).end(JSON.stringify({ message: 'Bad credentials' }));
    } else {
      res.writeHead(200).end(JSON.stringify({ login: 'octo' }));
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}/api` });
    });
  });
}

function fixture(definition: ConnectorDefinition, test: Connector['test']): Connector {
  return { definition, test };
}

const base = {
  iconUrl: '/icons/fixture.svg',
  entities: [{ name: 'things', description: 'Things' }],
  version: '1.0.0',
};

/** Calls `GET {base_url}/me` with the token: the path a connector's `fetch` resolves. */
const httpSource = fixture(
  {
    ...base,
    slug: 'fixture-http',
    name: 'Acme HTTP Source',
    provider: 'http',
    category: 'custom',
    shortDescription: 'Pull records from any JSON API',
    description: 'Generic HTTP source; receives webhooks too.',
    documentationUrl: 'https://docs.example.com/http',
    websiteUrl: 'https://example.com',
    authType: 'api_key',
    configSchema: {
      type: 'object',
      required: ['base_url', 'api_token'],
      properties: {
        base_url: { type: 'string', format: 'uri', title: 'Base URL' },
        api_token: { type: 'string', format: 'password', title: 'API token' },
        page_size: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
      },
    },
    capabilities: ['sync_resources', 'receive_webhooks'],
    tags: ['http', 'generic'],
  },
  async (ctx): Promise<TestOutcome> => {
    const res = await ctx.fetch('/me', {
      headers: { authorization: `Bearer ${String(ctx.config.api_token)}` },
    });
    const body = (await res.json()) as { login?: string; message?: string };
    if (res.ok) {
      return {
        ok: true,
        message: `Authenticated as ${body.login}`,
        details: { login: body.login, page_size: ctx.config.page_size },
      };
    }
    return {
      ok: false,
      errorType: 'auth_error',
      message: 'Authentication failed',
      httpStatus: res.status,
      providerMessage: body.message,
    };
  },
);

const identity = fixture(
  {
    ...base,
    slug: 'fixture-idp',
    name: 'Beta Identity',
    provider: 'idp',
    category: 'identity_access',
    shortDescription: 'Users and groups from a directory',
    description: 'Syncs users and collects evidence of MFA enrollment.',
    authType: 'oauth2',
    configSchema: { type: 'object', properties: { domain: { type: 'string' } } },
    capabilities: ['sync_users', 'collect_evidence'],
    tags: ['identity'],
    isBeta: true,
    oauth: {
      authorizationUrl: 'https://idp.example.com/authorize',
      tokenUrl: 'https://idp.example.com/token',
      scopes: ['users.read'],
    },
  },
  async () => ({ ok: true, message: 'fine', details: {} }),
);

const chat = fixture(
  {
    ...base,
    slug: 'fixture-chat',
    name: 'Chatter',
    provider: 'chat',
    category: 'communication',
    shortDescription: 'Send notifications to channels',
    description: 'Posts alerts_and_more to a channel.',
    authType: 'api_key',
    configSchema: { type: 'object', properties: { channel: { type: 'string' } } },
    capabilities: ['send_notifications'],
    tags: ['chat'],
  },
  async () => {
    throw new Error('boom');
  },
);

const FIXTURES = [httpSource, identity, chat];

const LIST_FIELDS = [
  'id',
  'name',
  'slug',
  'provider',
  'category',
  'short_description',
  'icon_url',
  'auth_type',
  'capabilities',
  'is_active',
  'is_beta',
  'version',
  'tags',
  'org_connections',
  'created_at',
];

const DETAIL_FIELDS = [
  'id',
  'name',
  'slug',
  'provider',
  'category',
  'description',
  'short_description',
  'icon_url',
  'documentation_url',
  'website_url',
  'auth_type',
  'config_schema',
  'capabilities',
  'is_active',
  'is_beta',
  'version',
  'tags',
  'org_connections',
  'created_at',
  'updated_at',
];

interface Field {
  field: string;
  message: string;
}
const fieldsOf = (body: { error: { details: { fields: Field[] } } }) =>
  body.error.details.fields.map((f) => f.field);

describe('integration catalog', () => {
  let t: TestApp;
  let provider: { server: Server; baseUrl: string };
  let root: SeededUser;
  let admin: SeededUser;
  let viewer: SeededUser;
  let auditor: SeededUser;
  let other: SeededUser;

  const call = (method: Method, url: string, as: SeededUser | null, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: as ? as.auth : {},
      ...(payload ? { payload } : {}),
    });

  const db = () => t.ctx.database.db;

  const definitionId = async (slug: string) =>
    (
      await db()
        .selectFrom('integration_definitions')
        .select('id')
        .where('slug', '=', slug)
        .executeTakeFirstOrThrow()
    ).id;

  async function insertDefinition(
    slug: string,
    fields: { status?: string; audience?: string; name?: string },
  ) {
    const now = t.ctx.clock.now().toISOString();
    const id = newId();
    await db()
      .insertInto('integration_definitions')
      .values({
        id,
        slug,
        connector: 'fixture-chat',
        name: fields.name ?? slug,
        provider: 'chat',
        category: 'communication',
        short_description: 'Inserted',
        description: 'Inserted',
        icon_url: '/x.svg',
        documentation_url: null,
        website_url: null,
        auth_type: 'none',
        config_schema: { type: 'object', properties: {} },
        capabilities: [],
        entities: [],
        oauth: null,
        version: '1',
        tags: [],
        status: fields.status ?? 'active',
        audience: fields.audience ?? 'tenant',
        is_builtin: false,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  async function insertConnection(orgId: string, definition: string, name: string): Promise<string> {
    const now = t.ctx.clock.now().toISOString();
    const id = newId();
    await db()
      .insertInto('integration_connections')
      .values({
        id,
        org_id: orgId,
        definition_id: definition,
        name,
        description: null,
        instance_label: null,
        status: 'pending_setup',
        health: 'unknown',
        config: {},
        secrets: null,
        sync_enabled: false,
        sync_interval_mins: 360,
        sync_cron: null,
        health_check_interval_mins: 60,
        next_sync_at: null,
        next_health_check_at: null,
        last_sync_at: null,
        last_sync_status: null,
        last_sync_error: null,
        last_sync_duration_ms: null,
        last_sync_stats: null,
        last_health_check_at: null,
        last_health_error: null,
        last_tested_at: null,
        last_test_passed_at: null,
        consecutive_failures: 0,
        total_runs: 0,
        successful_runs: 0,
        failed_runs: 0,
        tags: [],
        metadata: {},
        disabled_reason: null,
        created_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  const auditsOf = (targetId: string) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'changed_fields', 'actor_id', 'org_id', 'target_type', 'request_id'])
      .where('target_id', '=', targetId)
      .orderBy('id')
      .execute();

  const names = async (query: string, as: SeededUser = admin) => {
    const res = await call('GET', `/integrations${query}`, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data.map((x: { name: string }) => x.name);
  };

  async function register(payload: Record<string, unknown>) {
    const res = await call('POST', '/admin/integrations', root, {
      connector: 'fixture-http',
      name: 'Custom',
      short_description: 'A custom source',
      ...payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; slug: string; updated_at: string };
  }

  beforeAll(async () => {
    provider = await startProvider();
    t = await testApp({ connectors: FIXTURES });
    root = await seedUser(t, { superAdmin: true, name: 'Root' });
    admin = await seedUser(t, { name: 'Tenant Admin' });
    viewer = await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' });
    auditor = await seedUser(t, { orgId: admin.orgId, role: 'auditor' });
    other = await seedUser(t, { name: 'Other Org' });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => provider.server.close(resolve));
  });

  describe('tenant catalog', () => {
    beforeAll(async () => {
      await insertDefinition('old-thing', { status: 'deprecated', name: 'Deprecated Thing' });
      await insertDefinition('off-thing', { status: 'disabled', name: 'Disabled Thing' });
      await insertDefinition('internal-thing', { audience: 'system', name: 'Internal Thing' });
      const http = await definitionId('fixture-http');
      const idp = await definitionId('fixture-idp');
      await insertConnection(admin.orgId, http, 'Mine 1');
      await insertConnection(admin.orgId, http, 'Mine 2');
      await insertConnection(admin.orgId, idp, 'Mine 3');
      await insertConnection(other.orgId, http, 'Theirs');
    });

    it("lists active and beta tenant entries with the spec's fields, by name", async () => {
      const res = await call('GET', '/integrations', viewer);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.pagination).toEqual({ page: 1, per_page: 20, total: 3, total_pages: 1 });
      expect(body.data.map((x: { name: string }) => x.name)).toEqual([
        'Acme HTTP Source',
        'Beta Identity',
        'Chatter',
      ]);
      const [http, idp] = body.data;
      expect(Object.keys(http)).toEqual(LIST_FIELDS);
      expect(http).toMatchObject({
        slug: 'fixture-http',
        provider: 'http',
        category: 'custom',
        short_description: 'Pull records from any JSON API',
        icon_url: '/icons/fixture.svg',
        auth_type: 'api_key',
        capabilities: ['sync_resources', 'receive_webhooks'],
        is_active: true,
        is_beta: false,
        version: '1.0.0',
        tags: ['http', 'generic'],
        org_connections: 2,
      });
      expect(http.created_at).toMatch(/Z$/);
      expect(idp).toMatchObject({ is_active: true, is_beta: true, org_connections: 1 });
    });

    it("counts only the caller's organisation's connections", async () => {
      const counts = async (as: SeededUser) =>
        Object.fromEntries(
          (await call('GET', '/integrations', as))
            .json()
            .data.map((x: { slug: string; org_connections: number }) => [x.slug, x.org_connections]),
        );
      expect(await counts(admin)).toEqual({ 'fixture-http': 2, 'fixture-idp': 1, 'fixture-chat': 0 });
      expect(await counts(other)).toEqual({ 'fixture-http': 1, 'fixture-idp': 0, 'fixture-chat': 0 });
      const detail = (await call('GET', '/integrations/fixture-http', other)).json().data;
      expect(detail.org_connections).toBe(1);
      const all = (await call('GET', '/admin/integrations/fixture-http', root)).json().data;
      expect(all.connection_count).toBe(3);
    });

    it('filters by category, capability and beta', async () => {
      expect(await names('?category=communication')).toEqual(['Chatter']);
      expect(await names('?category=cloud_infrastructure')).toEqual([]);
      expect(await names('?capability=sync_users')).toEqual(['Beta Identity']);
      expect(await names('?capability=receive_webhooks')).toEqual(['Acme HTTP Source']);
      expect(await names('?capability=run_scans')).toEqual([]);
      expect(await names('?is_beta=true')).toEqual(['Beta Identity']);
      expect(await names('?is_beta=false')).toEqual(['Acme HTTP Source', 'Chatter']);
      expect(await names('?category=identity_access&is_beta=false')).toEqual([]);
    });

    it('searches name and description case-insensitively, wildcards taken literally', async () => {
      expect(await names('?search=acme')).toEqual(['Acme HTTP Source']);
      expect(await names('?search=MFA')).toEqual(['Beta Identity']);
      expect(await names('?search=_')).toEqual(['Chatter']);
      expect(await names('?search=%25')).toEqual([]);
      expect(await names('?search=thing')).toEqual([]);
    });

    it('pages', async () => {
      const first = (await call('GET', '/integrations?per_page=2', admin)).json();
      expect(first.data.map((x: { name: string }) => x.name)).toEqual(['Acme HTTP Source', 'Beta Identity']);
      expect(first.pagination).toEqual({ page: 1, per_page: 2, total: 3, total_pages: 2 });
      const second = (await call('GET', '/integrations?per_page=2&page=2', admin)).json();
      expect(second.data.map((x: { name: string }) => x.name)).toEqual(['Chatter']);
      const filtered = (await call('GET', '/integrations?per_page=1&search=a', admin)).json();
      expect(filtered.pagination).toEqual({ page: 1, per_page: 1, total: 3, total_pages: 3 });
    });

    it('refuses bad list parameters, naming them', async () => {
      for (const [query, field] of [
        ['per_page=101', 'per_page'],
        ['page=0', 'page'],
        ['capability=fly', 'capability'],
        ['category=food', 'category'],
        ['is_beta=maybe', 'is_beta'],
        ['colour=red', 'colour'],
      ]) {
        const res = await call('GET', `/integrations?${query}`, admin);
        expect(res.statusCode, query).toBe(400);
        expect(fieldsOf(res.json())).toEqual([field]);
      }
    });

    it("reads one entry by id or by slug with the spec's detail fields", async () => {
      const id = await definitionId('fixture-http');
      const bySlug = await call('GET', '/integrations/fixture-http', viewer);
      expect(bySlug.statusCode).toBe(200);
      const entry = bySlug.json().data;
      expect(Object.keys(entry)).toEqual(DETAIL_FIELDS);
      expect(entry).toMatchObject({
        id,
        description: 'Generic HTTP source; receives webhooks too.',
        documentation_url: 'https://docs.example.com/http',
        website_url: 'https://example.com',
        config_schema: httpSource.definition.configSchema,
        is_active: true,
        org_connections: 2,
      });
      expect(entry.updated_at).toMatch(/Z$/);
      const byId = await call('GET', `/integrations/${id}`, viewer);
      expect(byId.json()).toEqual(bySlug.json());
    });

    it('hides disabled and system entries from organisations; a deprecated one reads but is not listed', async () => {
      for (const slug of ['off-thing', 'internal-thing', 'nope']) {
        const res = await call('GET', `/integrations/${slug}`, admin);
        expect(res.statusCode, slug).toBe(404);
        expect(res.json().error.code).toBe('INTEGRATION_NOT_FOUND');
      }
      const deprecated = await call('GET', '/integrations/old-thing', admin);
      expect(deprecated.statusCode).toBe(200);
      expect(deprecated.json().data).toMatchObject({ is_active: false, is_beta: false });
      expect(await names('?search=Thing')).toEqual([]);
      const hiddenById = await call('GET', `/integrations/${await definitionId('off-thing')}`, admin);
      expect(hiddenById.statusCode).toBe(404);
    });

    it('answers a reserved path word as an unknown route, never as an entry', async () => {
      // `dashboard` is a route of its own (GET /integrations/dashboard: test/dashboard).
      for (const word of ['search', 'oauth']) {
        // Only the database could hold such a slug: the admin API refuses it.
        const id = await insertDefinition(word, {});
        const res = await call('GET', `/integrations/${word}`, admin);
        expect(res.statusCode, word).toBe(404);
        expect(res.json().error).toMatchObject({
          code: 'NOT_FOUND',
          message: `Route GET /api/v1/integrations/${word} not found`,
        });
        await db().deleteFrom('integration_definitions').where('id', '=', id).execute();
      }
    });

    it('requires catalog:read', async () => {
      expect((await call('GET', '/integrations', null)).statusCode).toBe(401);
      for (const url of ['/integrations', '/integrations/fixture-http']) {
        const res = await call('GET', url, auditor);
        expect(res.statusCode).toBe(403);
        expect(res.json().error).toMatchObject({
          code: 'FORBIDDEN',
          details: { permission: 'catalog:read' },
        });
      }
    });
  });

  describe('administration', () => {
    it('lists every entry to a super admin, with filters', async () => {
      const res = await call('GET', '/admin/integrations?per_page=100', root);
      expect(res.statusCode).toBe(200);
      const slugs = res.json().data.map((x: { slug: string }) => x.slug);
      expect(slugs).toEqual(
        expect.arrayContaining(['fixture-http', 'off-thing', 'internal-thing', 'old-thing']),
      );
      const slugsOf = async (query: string) =>
        (await call('GET', `/admin/integrations?${query}`, root))
          .json()
          .data.map((x: { slug: string }) => x.slug);
      expect(await slugsOf('status=disabled')).toEqual(['off-thing']);
      expect(await slugsOf('audience=system')).toEqual(['internal-thing']);
      expect(await slugsOf('category=identity_access')).toEqual(['fixture-idp']);
      const paged = (await call('GET', '/admin/integrations?status=active&per_page=2', root)).json();
      expect(paged.pagination).toMatchObject({ per_page: 2, total: 3, total_pages: 2 });

      const idp = (await call('GET', '/admin/integrations/fixture-idp', root)).json().data;
      expect(idp).toMatchObject({
        connector: 'fixture-idp',
        status: 'beta',
        audience: 'tenant',
        is_builtin: true,
        entities: [{ name: 'things', description: 'Things' }],
        oauth: {
          authorization_url: 'https://idp.example.com/authorize',
          token_url: 'https://idp.example.com/token',
          scopes: ['users.read'],
        },
      });
    });

    it('registers an entry backed by an existing connector, with its defaults, and audits it', async () => {
      const schema = {
        type: 'object',
        required: ['base_url', 'api_key'],
        properties: { base_url: { type: 'string' }, api_key: { type: 'string', 'x-secret': true } },
      };
      const res = await call('POST', '/admin/integrations', root, {
        connector: 'fixture-http',
        slug: 'acme-crm',
        name: 'Acme CRM',
        short_description: 'Our CRM over HTTP',
        config_schema: schema,
        capabilities: ['sync_resources'],
      });
      expect(res.statusCode, res.body).toBe(201);
      const entry = res.json().data;
      expect(entry).toMatchObject({
        slug: 'acme-crm',
        connector: 'fixture-http',
        name: 'Acme CRM',
        provider: 'http',
        category: 'custom',
        description: 'Generic HTTP source; receives webhooks too.',
        icon_url: '/icons/fixture.svg',
        auth_type: 'api_key',
        config_schema: schema,
        capabilities: ['sync_resources'],
        tags: ['http', 'generic'],
        status: 'active',
        audience: 'tenant',
        is_builtin: false,
        connection_count: 0,
      });
      const row = await db()
        .selectFrom('integration_definitions')
        .selectAll()
        .where('id', '=', entry.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ slug: 'acme-crm', connector: 'fixture-http', is_builtin: false });
      expect(await auditsOf(entry.id)).toEqual([
        {
          action: 'integration.created',
          changed_fields: [],
          actor_id: root.id,
          org_id: null,
          target_type: 'integration',
          request_id: res.headers['x-request-id'],
        },
      ]);

      const seen = await call('GET', '/integrations/acme-crm', admin);
      expect(seen.statusCode).toBe(200);
      expect(seen.json().data).toMatchObject({ id: entry.id, config_schema: schema, org_connections: 0 });
    });

    it('refuses an unknown connector, a bad or reserved slug and capabilities the connector lacks, naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ connector: 'nope', slug: 'x-1' }, 'connector'],
        [{ slug: 'dashboard' }, 'slug'],
        [{ slug: 'search' }, 'slug'],
        [{ slug: 'oauth' }, 'slug'],
        [{ slug: 'Bad Slug' }, 'slug'],
        [{ slug: newId() }, 'slug'],
        [{ slug: 'x-2', capabilities: ['send_notifications'] }, 'capabilities'],
        [{ slug: 'x-3', capabilities: ['teleport'] }, 'capabilities.0'],
        [{ slug: 'x-4', audience: 'everyone' }, 'audience'],
        [{ slug: 'x-5', colour: 'red' }, 'colour'],
      ];
      for (const [payload, field] of cases) {
        const res = await call('POST', '/admin/integrations', root, {
          connector: 'fixture-http',
          name: 'X',
          short_description: 'X',
          ...payload,
        });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().error.code).toBe('VALIDATION_ERROR');
        expect(fieldsOf(res.json()), JSON.stringify(payload)).toEqual([field]);
      }
      const unknown = await call('POST', '/admin/integrations', root, {
        connector: 'nope',
        slug: 'x-6',
        name: 'X',
        short_description: 'X',
      });
      expect(unknown.json().error.details.fields[0].message).toContain('fixture-http');
    });

    it('refuses a config_schema that is not a valid JSON Schema', async () => {
      const cases: [unknown, string][] = [
        [{ type: 'object', properties: { a: { type: 'strin' } } }, 'config_schema'],
        [{ type: 'object', properties: { a: { type: 'string', pattern: '[' } } }, 'config_schema'],
        [{ type: 'object', properties: { a: { $ref: '#/nowhere' } } }, 'config_schema'],
        [{ properties: {} }, 'config_schema.type'],
        [{ type: 'object' }, 'config_schema.properties'],
      ];
      for (const [schema, field] of cases) {
        const res = await call('POST', '/admin/integrations', root, {
          connector: 'fixture-http',
          slug: 'bad-schema',
          name: 'X',
          short_description: 'X',
          config_schema: schema,
        });
        expect(res.statusCode, JSON.stringify(schema)).toBe(400);
        expect(fieldsOf(res.json()), JSON.stringify(schema)).toEqual([field]);
      }
      expect((await call('GET', '/admin/integrations/bad-schema', root)).statusCode).toBe(404);
    });

    it('answers 409 SLUG_TAKEN for a taken slug, also when two registrations race', async () => {
      for (const slug of ['fixture-http', 'acme-crm']) {
        const res = await call('POST', '/admin/integrations', root, {
          connector: 'fixture-chat',
          slug,
          name: 'Dup',
          short_description: 'Dup',
        });
        expect(res.statusCode).toBe(409);
        expect(res.json().error).toMatchObject({ code: 'SLUG_TAKEN', details: { slug } });
      }
      const statuses = await Promise.all(
        [1, 2].map(
          async () =>
            (
              await call('POST', '/admin/integrations', root, {
                connector: 'fixture-chat',
                slug: 'racer',
                name: 'Racer',
                short_description: 'Racer',
              })
            ).statusCode,
        ),
      );
      expect(statuses.sort()).toEqual([201, 409]);
    });

    it('edits what differs, validates schema and capabilities, and audits the changed fields', async () => {
      const entry = await register({ slug: 'editable', tags: ['a'] });
      const res = await call('PATCH', '/admin/integrations/editable', root, {
        name: 'Edited',
        tags: ['a'],
        description: 'Now described',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ id: entry.id, name: 'Edited', description: 'Now described' });
      expect(res.json().data.updated_at >= entry.updated_at).toBe(true);

      const same = await call('PATCH', `/admin/integrations/${entry.id}`, root, { name: 'Edited' });
      expect(same.statusCode).toBe(200);

      const schema = await call('PATCH', `/admin/integrations/${entry.id}`, root, {
        config_schema: { type: 'object', properties: { a: { type: 'nope' } } },
      });
      expect(schema.statusCode).toBe(400);
      expect(fieldsOf(schema.json())).toEqual(['config_schema']);
      const caps = await call('PATCH', `/admin/integrations/${entry.id}`, root, {
        capabilities: ['sync_users'],
      });
      expect(caps.statusCode).toBe(400);
      expect(fieldsOf(caps.json())).toEqual(['capabilities']);
      expect((await call('PATCH', `/admin/integrations/${entry.id}`, root, {})).statusCode).toBe(400);
      expect((await call('PATCH', `/admin/integrations/${entry.id}`, root, { slug: 'x' })).statusCode).toBe(
        400,
      );
      expect((await call('PATCH', `/admin/integrations/${newId()}`, root, { name: 'X' })).statusCode).toBe(
        404,
      );

      const narrowed = await call('PATCH', `/admin/integrations/${entry.id}`, root, {
        capabilities: ['receive_webhooks'],
      });
      expect(narrowed.json().data.capabilities).toEqual(['receive_webhooks']);
      expect((await auditsOf(entry.id)).map((a) => [a.action, a.changed_fields])).toEqual([
        ['integration.created', []],
        ['integration.updated', ['name', 'description']],
        ['integration.updated', ['capabilities']],
      ]);
    });

    it('sets status and audience, which decide what organisations see', async () => {
      const entry = await register({ slug: 'flagged', name: 'Flagged' });
      const visible = async () => (await call('GET', '/integrations/flagged', admin)).statusCode;
      const listed = async () => (await names('?search=Flagged')).length === 1;

      const disabled = await call('PATCH', '/admin/integrations/flagged/status', root, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json().data).toEqual({
        id: entry.id,
        status: 'disabled',
        updated_at: expect.stringMatching(/Z$/),
      });
      expect([await visible(), await listed()]).toEqual([404, false]);

      await call('PATCH', `/admin/integrations/${entry.id}/status`, root, { status: 'deprecated' });
      expect([await visible(), await listed()]).toEqual([200, false]);

      await call('PATCH', `/admin/integrations/${entry.id}/status`, root, { status: 'beta' });
      expect([await visible(), await listed()]).toEqual([200, true]);
      expect((await call('GET', '/integrations/flagged', admin)).json().data.is_beta).toBe(true);

      const hidden = await call('PATCH', `/admin/integrations/${entry.id}/audience`, root, {
        audience: 'system',
      });
      expect(hidden.json().data).toEqual({
        id: entry.id,
        audience: 'system',
        updated_at: expect.any(String),
      });
      expect([await visible(), await listed()]).toEqual([404, false]);
      expect((await call('GET', `/admin/integrations/${entry.id}`, root)).json().data).toMatchObject({
        status: 'beta',
        audience: 'system',
      });

      // Setting the current value changes nothing.
      await call('PATCH', `/admin/integrations/${entry.id}/audience`, root, { audience: 'system' });
      const bad = await call('PATCH', `/admin/integrations/${entry.id}/status`, root, { status: 'paused' });
      expect(bad.statusCode).toBe(400);
      expect(fieldsOf(bad.json())).toEqual(['status']);
      const missing = await call('PATCH', `/admin/integrations/${newId()}/audience`, root, {
        audience: 'tenant',
      });
      expect(missing.json().error.code).toBe('INTEGRATION_NOT_FOUND');

      expect((await auditsOf(entry.id)).map((a) => [a.action, a.changed_fields, a.org_id])).toEqual([
        ['integration.created', [], null],
        ['integration.status_changed', ['status'], null],
        ['integration.status_changed', ['status'], null],
        ['integration.status_changed', ['status'], null],
        ['integration.audience_changed', ['audience'], null],
      ]);
    });

    it('deletes an unused registered entry; refuses one in use or built in', async () => {
      const entry = await register({ slug: 'doomed' });
      const connection = await insertConnection(admin.orgId, entry.id, 'Doomed connection');
      const inUse = await call('DELETE', '/admin/integrations/doomed', root);
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json().error).toMatchObject({ code: 'INTEGRATION_IN_USE', details: { connections: 1 } });

      const builtin = await call('DELETE', '/admin/integrations/fixture-chat', root);
      expect(builtin.statusCode).toBe(409);
      expect(builtin.json().error.code).toBe('INTEGRATION_BUILTIN');
      expect(builtin.json().error.message).toContain('next start');
      expect((await call('GET', '/admin/integrations/fixture-chat', root)).statusCode).toBe(200);

      await db().deleteFrom('integration_connections').where('id', '=', connection).execute();
      const deleted = await call('DELETE', `/admin/integrations/${entry.id}`, root);
      expect(deleted.statusCode).toBe(204);
      expect((await call('GET', `/admin/integrations/${entry.id}`, root)).statusCode).toBe(404);
      expect((await call('DELETE', `/admin/integrations/${entry.id}`, root)).statusCode).toBe(404);
      expect((await auditsOf(entry.id)).map((a) => a.action)).toEqual([
        'integration.created',
        'integration.deleted',
      ]);
    });

    it('is for super admins only', async () => {
      const id = await definitionId('fixture-http');
      const attempts: [Method, string, object?][] = [
        ['GET', '/admin/integrations'],
        [
          'POST',
          '/admin/integrations',
          { connector: 'fixture-http', slug: 'nope', name: 'N', short_description: 'N' },
        ],
        ['GET', `/admin/integrations/${id}`],
        ['PATCH', `/admin/integrations/${id}`, { name: 'Mine' }],
        ['DELETE', `/admin/integrations/${id}`],
        ['PATCH', `/admin/integrations/${id}/status`, { status: 'disabled' }],
        ['PATCH', `/admin/integrations/${id}/audience`, { audience: 'system' }],
        ['POST', `/admin/integrations/${id}/test`, { config: {} }],
      ];
      for (const [method, url, payload] of attempts) {
        const res = await call(method, url, admin, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
        expect((await call(method, url, null, payload)).statusCode).toBe(401);
      }
      const row = await db()
        .selectFrom('integration_definitions')
        .select(['name', 'status', 'audience'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ name: 'Acme HTTP Source', status: 'active', audience: 'tenant' });
      expect((await call('GET', '/admin/integrations/nope', root)).statusCode).toBe(404);
    });
  });

  describe('admin test', () => {
    const test = (key: string, config: Record<string, unknown>) =>
      call('POST', `/admin/integrations/${key}/test`, root, { config });

    it("runs the connector's test against config.base_url, with the schema's defaults applied", async () => {
      const res = await test('fixture-http', { base_url: provider.baseUrl, api_token: SECRET });
      expect(res.statusCode, res.body).toBe(200);
      const result = res.json().data;
      expect(result).toMatchObject({
        integration_id: await definitionId('fixture-http'),
        test_result: 'success',
        message: 'Authenticated as octo',
        details: { login: 'octo', page_size: 50, provider_response_time_ms: expect.any(Number) },
      });
      expect(result.tested_at).toMatch(/Z$/);
    });

    it('reports a failed test as 200 with the classified error', async () => {
      const res = await test('fixture-http', { base_url: provider.baseUrl, api_token: 'wrong' });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({
        test_result: 'failed',
        message: 'Authentication failed',
        details: { error_type: 'auth_error', http_status: 401, provider_message: 'Bad credentials' },
      });
    });

    it('reports an unreachable provider and a connector that throws', async () => {
      const closed = await startProvider();
      await new Promise((resolve) => closed.server.close(resolve));
      const unreachable = (await test('fixture-http', { base_url: closed.baseUrl, api_token: SECRET })).json()
        .data;
      expect(unreachable).toMatchObject({ test_result: 'failed', details: { error_type: 'network_error' } });
      expect(unreachable.message).toMatch(/Could not reach the provider/);

      const thrown = (await test('fixture-chat', {})).json().data;
      expect(thrown).toMatchObject({
        test_result: 'failed',
        message: 'The connector failed: boom',
        details: { error_type: 'provider_error' },
      });
    });

    it("names every field failing the entry's config_schema", async () => {
      const res = await test('fixture-http', { base_url: 42, page_size: 0 });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
      expect(res.json().error.details.fields).toEqual([
        { field: 'config.api_token', location: 'body', message: 'is required' },
        { field: 'config.base_url', location: 'body', message: 'must be string' },
        { field: 'config.page_size', location: 'body', message: 'must be >= 1' },
      ]);
    });

    it("validates against the entry's own schema and needs a base_url to call the provider", async () => {
      await register({
        slug: 'no-base',
        config_schema: {
          type: 'object',
          required: ['api_token'],
          properties: { api_token: { type: 'string' } },
        },
      });
      const res = await test('no-base', { api_token: SECRET });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: 'Invalid body: config.base_url is required: the connector calls the provider there',
      });
      expect(res.json().error.details.fields).toEqual([
        { field: 'config.base_url', location: 'body', message: expect.stringContaining('is required') },
      ]);
      const relative = await test('no-base', { api_token: SECRET, base_url: 'not a url' });
      expect(fieldsOf(relative.json())).toEqual(['config.base_url']);
    });

    it('audits each test without the config, and never logs the secret', async () => {
      const id = await definitionId('fixture-http');
      const before = (await auditsOf(id)).length;
      const res = await test(id, { base_url: provider.baseUrl, api_token: SECRET });
      const audits = await auditsOf(id);
      expect(audits.length).toBe(before + 1);
      expect(audits.at(-1)).toEqual({
        action: 'integration.tested',
        changed_fields: [],
        actor_id: root.id,
        org_id: null,
        target_type: 'integration',
        request_id: res.headers['x-request-id'],
      });
      expect(t.logs.text()).not.toContain(SECRET);
    });

    it('answers 404 for an unknown entry and 409 when its connector is not in this build', async () => {
      expect((await test(newId(), {})).statusCode).toBe(404);
      await insertDefinition('orphan', {});
      await db()
        .updateTable('integration_definitions')
        .set({ connector: 'gone' })
        .where('slug', '=', 'orphan')
        .execute();
      const res = await test('orphan', {});
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'CONNECTOR_UNAVAILABLE',
        details: { connector: 'gone' },
      });
    });
  });
});

describe('catalog sync at start', () => {
  let t: TestApp;
  let root: SeededUser;
  const at = (iso: string) => new Date(iso);

  const rowOf = (slug: string) =>
    t.ctx.database.db
      .selectFrom('integration_definitions')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
  const auditCount = async () =>
    (
      await t.ctx.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('target_type', '=', 'integration')
        .execute()
    ).length;

  beforeAll(async () => {
    t = await testApp({ connectors: [httpSource, identity] });
    root = await seedUser(t, { superAdmin: true });
  });
  afterAll(() => t.close());

  it('creates one built-in entry per connector', async () => {
    const http = await rowOf('fixture-http');
    expect(http).toMatchObject({
      connector: 'fixture-http',
      name: 'Acme HTTP Source',
      provider: 'http',
      category: 'custom',
      documentation_url: 'https://docs.example.com/http',
      config_schema: httpSource.definition.configSchema,
      capabilities: ['sync_resources', 'receive_webhooks'],
      entities: [{ name: 'things', description: 'Things' }],
      oauth: null,
      status: 'active',
      audience: 'tenant',
      is_builtin: true,
    });
    expect((await rowOf('fixture-idp')).status).toBe('beta');
    const audits = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'org_id'])
      .where('target_id', '=', http.id)
      .execute();
    expect(audits).toEqual([{ action: 'integration.registered', actor_type: 'system', org_id: null }]);
  });

  it('is idempotent: a start with the same connectors writes nothing', async () => {
    const before = await rowOf('fixture-http');
    const audits = await auditCount();
    const result = await syncCatalog(t.ctx.database.db, [httpSource, identity], at('2030-01-01T00:00:00Z'));
    expect(result).toEqual({ added: [], updated: [], shadowed: [] });
    expect(await rowOf('fixture-http')).toEqual(before);
    expect(await auditCount()).toBe(audits);
    const count = await t.ctx.database.db
      .selectFrom('integration_definitions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(2);
  });

  it('rewrites code-owned fields but keeps the status and audience an admin set', async () => {
    const id = (await rowOf('fixture-http')).id;
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/integrations/${id}/status`,
      headers: root.auth,
      payload: { status: 'disabled' },
    });
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/integrations/${id}/audience`,
      headers: root.auth,
      payload: { audience: 'system' },
    });
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/integrations/${id}`,
      headers: root.auth,
      payload: { tags: ['admin-tag'] },
    });
    const upgraded: Connector = {
      ...httpSource,
      definition: { ...httpSource.definition, name: 'Acme HTTP Source v2', version: '2.0.0', isBeta: true },
    };
    const result = await syncCatalog(t.ctx.database.db, [upgraded, identity], at('2030-02-01T00:00:00Z'));
    expect(result).toEqual({ added: [], updated: ['fixture-http'], shadowed: [] });
    const row = await rowOf('fixture-http');
    expect(row).toMatchObject({
      id,
      name: 'Acme HTTP Source v2',
      version: '2.0.0',
      tags: ['http', 'generic'],
      status: 'disabled',
      audience: 'system',
      updated_at: '2030-02-01T00:00:00.000Z',
    });
    const synced = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['changed_fields', 'actor_type'])
      .where('target_id', '=', id)
      .where('action', '=', 'integration.synced')
      .execute();
    expect(synced).toEqual([{ changed_fields: ['name', 'version', 'tags'], actor_type: 'system' }]);
  });

  it('adds new connectors and leaves a slug an admin entry holds alone', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/integrations',
      headers: root.auth,
      payload: { connector: 'fixture-http', slug: 'fixture-chat', name: 'Mine', short_description: 'Mine' },
    });
    expect(created.statusCode).toBe(201);
    const newcomer: Connector = { ...chat, definition: { ...chat.definition, slug: 'fixture-new' } };
    const result = await syncCatalog(
      t.ctx.database.db,
      [httpSource, identity, chat, newcomer],
      at('2030-03-01T00:00:00Z'),
    );
    expect(result).toEqual({ added: ['fixture-new'], updated: ['fixture-http'], shadowed: ['fixture-chat'] });
    expect(await rowOf('fixture-chat')).toMatchObject({
      name: 'Mine',
      connector: 'fixture-http',
      is_builtin: false,
    });
    expect(await rowOf('fixture-new')).toMatchObject({ connector: 'fixture-new', is_builtin: true });
  });

  it('refuses connectors with a reserved, malformed or shared slug', async () => {
    const named = (slug: string): Connector => ({ ...chat, definition: { ...chat.definition, slug } });
    const now = at('2030-04-01T00:00:00Z');
    await expect(syncCatalog(t.ctx.database.db, [named('dashboard')], now)).rejects.toThrow(/reserved/);
    await expect(syncCatalog(t.ctx.database.db, [named('Not A Slug')], now)).rejects.toThrow(/Not A Slug/);
    await expect(syncCatalog(t.ctx.database.db, [named('twin'), named('twin')], now)).rejects.toThrow(/twin/);
  });
});

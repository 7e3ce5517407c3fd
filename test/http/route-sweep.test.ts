/**
 * Every route of the API gets the same authentication, authorisation and tenancy checks, from the
 * app's own route table: a route added later is swept without anyone writing a case for it.
 * Rate limits are off: the sweep sends hundreds of requests from one address.
 */

import { createHmac } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse, onRouteHookHandler } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../../src/modules/auth/guard.js';
import {
  ORG_ROLES,
  type OrgRole,
  PERMISSIONS,
  type Permission,
  ROLE_PERMISSIONS,
} from '../../src/modules/auth/permissions.js';
import { REQUEST_ID_HEADER } from '../../src/platform/http/request-id.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { syncHarness } from '../helpers/sync.js';

const API = '/api/v1';

/**
 * The only routes a caller without credentials may reach, with their declared access. A route that
 * becomes public by mistake fails here; one made public on purpose is added here.
 */
const OPEN: Record<string, Access | 'outside the guard'> = {
  'POST /api/v1/auth/register': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/integrations/oauth/callback': 'public',
  'POST /api/v1/invitations/:token/accept': 'optional',
  // Provider deliveries: the signature, checked by the webhook's scheme, is the credential.
  'POST /api/v1/webhooks/receive/:id': 'public',
  'GET /api/v1/webhooks/receive/:id': 'public',
  // The API's own description, served by the OpenAPI plugin beside the guarded scope.
  'GET /api/v1/openapi.json': 'outside the guard',
};

/**
 * The only routes any signed-in caller may use, whatever its role or its key's scopes: they act on
 * the caller's own account, or read what is the same for every org. Every other route names the
 * permission, or the super admin, it requires.
 */
const SIGNED_IN = [
  'GET /api/v1/event-types',
  'GET /api/v1/auth/me',
  'POST /api/v1/auth/switch-org',
  'GET /api/v1/orgs',
  'POST /api/v1/orgs',
  'PATCH /api/v1/users/me',
  'POST /api/v1/user/integrations/:id/connect/oauth',
  'GET /api/v1/user/integrations/:id/connection',
  'POST /api/v1/user/integrations/:id/disconnect',
];

/** The kinds of object an org owns, one of each in every org of the fixture. */
type Owned =
  | 'org'
  | 'user'
  | 'team'
  | 'apiKey'
  | 'connection'
  | 'run'
  | 'evidence'
  | 'webhook'
  | 'webhookEvent'
  | 'webhookEndpoint'
  | 'webhookDelivery'
  | 'eventType'
  | 'invitation';

/**
 * What each path parameter names, keyed by the segment before it (`:id` means a team after
 * `teams/`, a connection after `integration-connections/`). A route whose parameter is not here
 * fails the sweep: its author says here what it names, and the tenancy check covers it.
 */
const PARAMS: Record<string, { owned: Owned } | { global: (f: Fixture) => string }> = {
  'orgs/:id': { owned: 'org' },
  'members/:userId': { owned: 'user' },
  'users/:id': { owned: 'user' },
  'teams/:id': { owned: 'team' },
  'api-keys/:id': { owned: 'apiKey' },
  'integration-connections/:id': { owned: 'connection' },
  'runs/:rid': { owned: 'run' },
  'evidence/:eid': { owned: 'evidence' },
  'webhooks/:wid': { owned: 'webhook' },
  'events/:eid': { owned: 'webhookEvent' },
  'webhook-endpoints/:id': { owned: 'webhookEndpoint' },
  'deliveries/:did': { owned: 'webhookDelivery' },
  'event-types/:name': { owned: 'eventType' },
  'invitations/:invitationId': { owned: 'invitation' },
  // A receiver URL is public: its webhook is found by id alone, whatever the caller.
  'receive/:id': { global: () => 'no-such-webhook' },
  // An action is the connector's: the same names in every org.
  'actions/:action': { global: () => 'no-such-action' },
  // The catalog is the platform's: every org sees the same entries.
  'integrations/:id': { global: (f) => f.integrationId },
  // The token is the credential: whoever holds it may accept, whatever their org.
  'invitations/:token': { global: () => 'no-such-invitation' },
};

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
const isMethod = (method: string): method is Method => (METHODS as readonly string[]).includes(method);

interface SweptRoute {
  method: Method;
  url: string;
  /** The declared access; undefined for a route registered outside the guarded /api/v1 scope. */
  access: Access | undefined;
  bodySchema: JsonSchema | undefined;
  querySchema: JsonSchema | undefined;
}

interface Fixture {
  integrationId: string;
}

interface OrgObjects {
  admin: SeededUser;
  ids: Record<Owned, string>;
}

const nameOf = (route: SweptRoute) => `${route.method} ${route.url}`;

/** Each `:param` of a URL with its key in PARAMS; throws for a form the sweep cannot fill. */
function paramsOf(url: string): { segment: number; key: string }[] {
  const segments = url.split('/');
  return segments.flatMap((segment, i) => {
    if (segment.includes('*')) throw new Error(`${url}: the sweep cannot fill a wildcard`);
    if (!segment.includes(':')) return [];
    if (!/^:\w+$/.test(segment)) throw new Error(`${url}: the sweep fills only whole-segment params`);
    return [{ segment: i, key: `${segments[i - 1]}/${segment}` }];
  });
}

function knownParam(url: string, key: string) {
  const source = PARAMS[key];
  if (!source)
    throw new Error(`${url}: path param "${key}" is unknown to the sweep; add what it names to PARAMS`);
  return source;
}

/** The URL with each param filled by `fill`, given what PARAMS says it names and its position. */
function urlFor(url: string, fill: (source: (typeof PARAMS)[string], index: number) => string): string {
  const segments = url.split('/');
  paramsOf(url).forEach(({ segment, key }, index) => {
    segments[segment] = encodeURIComponent(fill(knownParam(url, key), index));
  });
  return segments.join('/');
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  format?: string;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
}

const FORMATS: Record<string, () => string> = {
  email: () => 'sweep@example.com',
  uuid: () => newId(),
  uri: () => 'https://example.com/sweep',
  url: () => 'https://example.com/sweep',
  'date-time': () => '2026-01-01T00:00:00.000Z',
};

/** Fields whose valid values a schema cannot say, by name. */
type FieldValues = Record<string, unknown>;

/**
 * A minimal value the schema accepts: required fields only (and optional ones up to
 * `minProperties`), enums' first value, numbers at their minimum. Throws for what it cannot make,
 * so that a body the sweep cannot build is seen rather than sent invalid.
 */
function example(schema: JsonSchema, at: string, fields: FieldValues): unknown {
  const field = at.slice(at.lastIndexOf('.') + 1);
  if (field in fields) return fields[field];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) {
    const branch = schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0]!;
    return example(branch, at, fields);
  }
  switch (schema.type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      const properties = schema.properties ?? {};
      for (const name of schema.required ?? [])
        value[name] = example(properties[name] ?? {}, `${at}.${name}`, fields);
      for (const [name, property] of Object.entries(properties)) {
        if (Object.keys(value).length >= (schema.minProperties ?? 0)) break;
        value[name] ??= example(property, `${at}.${name}`, fields);
      }
      const [pattern] = Object.values(schema.patternProperties ?? {});
      if (Object.keys(value).length < (schema.minProperties ?? 0) && pattern)
        value.sweep = example(pattern, `${at}.sweep`, fields);
      return value;
    }
    case 'array': {
      const items = schema.items ?? {};
      // Distinct values where an enum offers them, so that uniqueItems holds.
      return Array.from({ length: schema.minItems ?? 0 }, (_, i) =>
        items.enum ? items.enum[i % items.enum.length] : example(items, `${at}[${i}]`, fields),
      );
    }
    case 'string': {
      const candidates = schema.format
        ? [FORMATS[schema.format]?.() ?? '']
        : ['x'.repeat(Math.max(schema.minLength ?? 1, 1)), 'sweep', 'sweep.sweep'];
      const fits = candidates.find((c) => c && (!schema.pattern || new RegExp(schema.pattern).test(c)));
      if (!fits) throw new Error(`${at}: the sweep cannot make a string for ${JSON.stringify(schema)}`);
      return fits;
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum === undefined ? 0 : schema.exclusiveMinimum + 1);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case undefined:
      return 'sweep';
    default:
      throw new Error(`${at}: the sweep cannot make a value of type ${schema.type}`);
  }
}

/** The route's table entries, one per method (HEAD answers as its GET does, without a body). */
function collect(routes: SweptRoute[]) {
  return (route: Parameters<onRouteHookHandler>[0]) => {
    if (!route.url.startsWith(`${API}/`)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      if (!isMethod(method)) throw new Error(`${method} ${route.url}: the sweep does not send ${method}`);
      routes.push({
        method,
        url: route.url,
        access: route.config?.access ?? (route.prefix.startsWith(API) ? 'authenticated' : undefined),
        bodySchema: route.schema?.body as JsonSchema | undefined,
        querySchema: route.schema?.querystring as JsonSchema | undefined,
      });
    }
  };
}

/** Every error answer is in the envelope, with the request id it was given in the header. */
function envelopeProblem(res: LightMyRequestResponse): string | undefined {
  if (res.statusCode < 400) return undefined;
  const header = res.headers[REQUEST_ID_HEADER];
  if (typeof header !== 'string' || header === '') return `no ${REQUEST_ID_HEADER} header`;
  let body: { error?: { code?: unknown; message?: unknown; request_id?: unknown } };
  try {
    body = res.json();
  } catch {
    return `a body that is not JSON: ${res.body.slice(0, 200)}`;
  }
  const error = body.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string' || error.request_id !== header)
    return `not the error envelope: ${res.body.slice(0, 200)}`;
  return undefined;
}

const codeOf = (res: LightMyRequestResponse): string => {
  if (res.statusCode < 400) return '';
  try {
    return String(res.json().error?.code);
  } catch {
    return '(no JSON)';
  }
};

const answered = (res: LightMyRequestResponse) => `answered ${res.statusCode} ${codeOf(res)}`.trim();

describe('route sweep', () => {
  let t: TestApp;
  const routes: SweptRoute[] = [];
  let fixture: Fixture;
  let own: OrgObjects;
  let other: OrgObjects;
  // Time stands still, so that what the other org reads before and after the sweep can be compared.
  const clock = new FakeClock();

  async function send(
    route: SweptRoute,
    url: string,
    headers: Record<string, string>,
  ): Promise<LightMyRequestResponse> {
    const options: InjectOptions = { method: route.method, url, headers };
    if (route.querySchema?.required) {
      // The required parameters, valid, so that a route needing one is not answered by validation.
      const query = example(route.querySchema, `${nameOf(route)} query`, {}) as Record<string, unknown>;
      options.query = Object.fromEntries(Object.entries(query).map(([name, value]) => [name, String(value)]));
    }
    if (route.bodySchema) {
      // A valid body, so that what the route answers is decided past validation.
      const fields = { return_url: `${t.ctx.config.publicUrl}/sweep` };
      options.payload = example(
        route.bodySchema,
        `${nameOf(route)} body`,
        fields,
      ) as InjectOptions['payload'];
    }
    return t.app.inject(options);
  }

  /** One object of each kind in a new org, its admin calling through the API. */
  async function orgWithObjects(): Promise<OrgObjects> {
    const admin = await seedUser(t);
    const member = await seedUser(t, { orgId: admin.orgId, role: 'member' });
    const h = syncHarness(t, admin);
    const team = await h.call('POST', '/teams', { name: 'Sweep team' });
    expect(team.statusCode, team.body).toBe(201);
    const key = await t.app.inject({
      method: 'POST',
      url: `${API}/api-keys`,
      headers: admin.auth,
      payload: { name: 'Sweep key', scopes: ['users:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const connection = await h.connected('demo', { api_token: 'x', users: 1, groups: 1, repositories: 1 });
    const run = await h.trigger(connection);
    // An evidence item as a run stores it (the sweep's app runs no worker to collect one).
    const evidence = newId();
    await t.ctx.database.db
      .insertInto('sync_evidence')
      .values({
        id: evidence,
        org_id: admin.orgId,
        connection_id: connection,
        run_id: run,
        kind: 'sweep',
        summary: 'Sweep evidence',
        content_hash: '0',
        data: {},
        collected_at: clock.now().toISOString(),
      })
      .execute();
    const hook = await h.call('POST', `/integration-connections/${connection}/webhooks`, {
      name: 'Sweep hook',
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const body = JSON.stringify({ type: 'sweep' });
    const { id: webhook, webhook_secret: secret } = hook.json().data;
    const delivered = await t.app.inject({
      method: 'POST',
      url: `${API}/webhooks/receive/${webhook}`,
      headers: {
        'content-type': 'application/json',
        'x-webhook-signature': createHmac('sha256', secret).update(body).digest('hex'),
      },
      payload: body,
    });
    expect(delivered.statusCode, delivered.body).toBe(200);
    const endpoint = await h.call('POST', '/webhook-endpoints', {
      name: 'Sweep endpoint',
      url: 'https://hooks.example.com/sweep',
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    const webhookEndpoint = endpoint.json().data.id;
    const sent = await h.call('POST', `/webhook-endpoints/${webhookEndpoint}/test`, {});
    expect(sent.statusCode, sent.body).toBe(202);
    // Each org's own name: another org's type is then one this org does not have.
    const eventType = `sweep.org_${admin.orgId.replace(/-/g, '_')}`;
    const declared = await h.call('POST', '/event-types', { name: eventType });
    expect(declared.statusCode, declared.body).toBe(201);
    const invitation = await t.app.inject({
      method: 'POST',
      url: `${API}/orgs/${admin.orgId}/invitations`,
      headers: admin.auth,
      payload: { email: `invited-${admin.orgId}@example.com`, role: 'member' },
    });
    expect(invitation.statusCode, invitation.body).toBe(201);
    return {
      admin,
      ids: {
        org: admin.orgId,
        user: member.id,
        team: team.json().data.id,
        apiKey: key.json().data.id,
        connection,
        run,
        evidence,
        webhook,
        webhookEvent: delivered.json().event_id,
        webhookEndpoint,
        webhookDelivery: sent.json().data.message_id,
        eventType,
        invitation: invitation.json().data.id,
      },
    };
  }

  beforeAll(async () => {
    t = await testApp({ clock, env: { SWITCHBOARD_RATE_LIMITS: 'false' }, onRoute: collect(routes) });
    own = await orgWithObjects();
    other = await orgWithObjects();
    fixture = { integrationId: await syncHarness(t, own.admin).definitionId('demo') };
  });
  afterAll(() => t?.close());

  const guarded = () => routes.filter((r) => !(nameOf(r) in OPEN));
  /** The URL with the caller's own objects (and the platform's) in its params. */
  const ownUrl = (route: SweptRoute) =>
    urlFor(route.url, (source) => ('owned' in source ? own.ids[source.owned] : source.global(fixture)));

  it('collects the route table from the app', () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.map(nameOf)).toContain('GET /api/v1/integration-connections/:id/runs/:rid');
  });

  it('knows what every path param names', () => {
    const unknown = routes.flatMap((r) =>
      paramsOf(r.url)
        .filter(({ key }) => !(key in PARAMS))
        .map(({ key }) => `${nameOf(r)}: ${key}`),
    );
    expect(unknown).toEqual([]);
  });

  it('leaves open only the listed routes', () => {
    const open = Object.fromEntries(
      routes
        .filter((r) => r.access === 'public' || r.access === 'optional' || r.access === undefined)
        .map((r) => [nameOf(r), r.access ?? 'outside the guard']),
    );
    expect(open).toEqual(OPEN);
  });

  it('asks a permission of every other route but the listed ones', () => {
    const signedIn = routes.filter((r) => r.access === 'authenticated').map(nameOf);
    expect(signedIn.sort()).toEqual([...SIGNED_IN].sort());
  });

  it('answers 401 in the envelope to a caller without credentials or with a bad token', async () => {
    const anonymous: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }];
    const problems: string[] = [];
    for (const route of guarded()) {
      for (const headers of anonymous) {
        const res = await send(route, ownUrl(route), headers);
        const problem =
          res.statusCode !== 401 || codeOf(res) !== 'UNAUTHORIZED' ? answered(res) : envelopeProblem(res);
        if (problem) problems.push(`${nameOf(route)} ${JSON.stringify(headers)}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers 403 in the envelope to a caller lacking the route’s permission', async () => {
    // For each permission: a key scoped to everything else, and a user of a role without it.
    const lacking = new Map<Permission, Record<string, string>[]>();
    const roleUsers = new Map<OrgRole, SeededUser>();
    for (const permission of PERMISSIONS) {
      const key = await t.app.inject({
        method: 'POST',
        url: `${API}/api-keys`,
        headers: own.admin.auth,
        payload: { name: `Without ${permission}`, scopes: PERMISSIONS.filter((p) => p !== permission) },
      });
      expect(key.statusCode, key.body).toBe(201);
      const callers = [{ authorization: `Bearer ${key.json().data.key}` }];
      const role = ORG_ROLES.find((r) => !ROLE_PERMISSIONS[r].includes(permission));
      if (role) {
        if (!roleUsers.has(role)) roleUsers.set(role, await seedUser(t, { orgId: own.ids.org, role }));
        callers.push(roleUsers.get(role)!.auth);
      }
      lacking.set(permission, callers);
    }
    const problems: string[] = [];
    let checked = 0;
    for (const route of guarded()) {
      if (route.access === 'authenticated') continue;
      const callers =
        route.access === 'super_admin' ? [own.admin.auth] : lacking.get(route.access as Permission);
      if (!callers) throw new Error(`${nameOf(route)}: unknown access ${route.access}`);
      for (const headers of callers) {
        const res = await send(route, ownUrl(route), headers);
        const problem =
          res.statusCode !== 403 || codeOf(res) !== 'FORBIDDEN' ? answered(res) : envelopeProblem(res);
        if (problem) problems.push(`${nameOf(route)} as ${headers.authorization.slice(0, 12)}…: ${problem}`);
        checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('answers 404 in the envelope, as for a missing id, when the path names another org’s objects', async () => {
    // What another org's admin reads of its objects, before and after the sweep.
    const reads = routes.filter(
      (r) => r.method === 'GET' && !(nameOf(r) in OPEN) && r.access !== 'super_admin',
    );
    const otherUrl = (route: SweptRoute) =>
      urlFor(route.url, (source) => ('owned' in source ? other.ids[source.owned] : source.global(fixture)));
    const snapshot = () =>
      Promise.all(
        reads.map(async (r) => {
          const res = await send(r, otherUrl(r), other.admin.auth);
          // An error answer differs only by its request id.
          return [nameOf(r), res.statusCode, res.statusCode < 400 ? res.body : codeOf(res)];
        }),
      );
    const before = await snapshot();
    expect(before.filter(([, status]) => status === 200).length).toBeGreaterThan(15);

    const problems: string[] = [];
    let checked = 0;
    // A super admin's routes are the platform's: they reach every org's objects by design.
    for (const route of guarded().filter((r) => r.access !== 'super_admin')) {
      const owned = paramsOf(route.url).flatMap(({ key }, index) =>
        'owned' in knownParam(route.url, key) ? [index] : [],
      );
      if (owned.length === 0) continue;
      // Every owned param another org's; then, when there are several, one at a time beside the caller's own.
      const variants = owned.length > 1 ? [owned, ...owned.map((i) => [i])] : [owned];
      for (const foreign of variants) {
        const build = (pick: (kind: Owned) => string) =>
          urlFor(route.url, (source, index) => {
            if (!('owned' in source)) return source.global(fixture);
            return foreign.includes(index) ? pick(source.owned) : own.ids[source.owned];
          });
        const missing = await send(
          route,
          build(() => newId()),
          own.admin.auth,
        );
        const url = build((kind) => other.ids[kind]);
        const res = await send(route, url, own.admin.auth);
        const problem =
          res.statusCode !== 404 || codeOf(res) === 'NOT_FOUND'
            ? answered(res)
            : codeOf(res) !== codeOf(missing)
              ? `${answered(res)} where a missing id ${answered(missing)}`
              : envelopeProblem(res);
        if (problem) problems.push(`${route.method} ${url}: ${problem}`);
        checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(30);
    expect(await snapshot()).toEqual(before);
  });
});

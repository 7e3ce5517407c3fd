/**
 * A fake Okta org on loopback, built from Okta's Management API documentation:
 * - SSWS API tokens (`Authorization: SSWS {token}`); a refused one is a 401 `E0000011`
 *   ("Invalid token provided"), a token without the admin role a 403 `E0000006`;
 * - error bodies `{errorCode, errorSummary, errorLink, errorId, errorCauses}` (Error codes reference);
 * - `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (UTC epoch seconds) on every answer, and a 429
 *   `E0000047` once a window's budget is spent, counted per endpoint family as Okta counts them
 *   (Rate limits: rl-best-practices, rl-global-mgmt);
 * - cursor pagination: `limit` and an opaque `after`, with `Link: <…>; rel="self"` and, while more
 *   remain, `Link: <…?after=…&limit=…>; rel="next"` (API design: pagination, Link header); `limit` is
 *   capped at each endpoint's maximum (users and apps 200, groups 10,000);
 * - List Users omits DEPROVISIONED users unless a `filter` or `search` is given; `filter` takes
 *   status/lastUpdated/id/profile fields with `eq`, and gt/ge/lt/le on lastUpdated;
 * - GET /api/v1/org, /users, /users/{id}, /users/{id}/factors, /groups, /groups/{id}, /apps,
 *   /apps/{id}, /policies?type=…, /policies/{id}/rules; a missing object is a 404 `E0000007`.
 * Knobs for tests: the ground truth (`data`), accepted tokens, a budget per window, scripted
 * answers (429s, 5xx), denied paths, latency, holding a request, the clock, and a request log.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { InvalidExpressionError, parseExpression, USER_FILTER } from './filter.js';
import { type OktaOrgData, type OktaUserJson, type OrgOptions, oktaOrg } from './org.js';

export interface ScriptedAnswer {
  status: number;
  /** Only requests whose path (with query) starts with this take it; any request when absent. */
  path?: string;
  errorCode?: string;
  errorSummary?: string;
  headers?: Record<string, string>;
}

export interface LoggedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  authorization: string | null;
  status: number;
}

export interface FakeOktaOptions extends OrgOptions {
  /** Accepted API tokens (default `['okta-token']`). */
  tokens?: string[];
  /** Requests allowed per window in every endpoint family (default: per-minute budgets per family). */
  rateLimit?: { limit: number; windowMs: number };
  latencyMs?: number;
}

export interface FakeOkta {
  /** The org's base URL, as a connection's `base_url`. */
  readonly url: string;
  /** The ground truth, changeable between requests. */
  readonly data: OktaOrgData;
  readonly tokens: Set<string>;
  readonly requests: LoggedRequest[];
  /** The org's clock (rate-limit windows, lastUpdated of touched users); Date.now unless a test sets it. */
  now: () => number;
  latencyMs: number;
  /** One budget for every endpoint family (each still counted on its own); undefined: the defaults. */
  rateLimit: { limit: number; windowMs: number } | undefined;
  /** 429s the budget answered (scripted ones not counted). */
  readonly budget429s: number;
  /** Requests on paths starting with `prefix` are refused with 403 E0000006. */
  deny(prefix: string): void;
  /** The next matching requests get these answers, in order. */
  failNext(...answers: ScriptedAnswer[]): void;
  /** Requests on paths starting with `prefix` wait until `release()`; resolves when the first arrives. */
  hold(prefix: string): Promise<void>;
  release(): void;
  /** Held requests the client gave up on before they were answered. */
  readonly abandoned: string[];
  /** Changes a user (status, profile…) and sets its lastUpdated to now, as Okta does. */
  touchUser(id: string, change?: Partial<OktaUserJson>): OktaUserJson;
  close(): Promise<void>;
}

const SUMMARIES: Record<string, string> = {
  E0000001: 'Api validation failed',
  E0000006: 'You do not have permission to perform the requested action',
  E0000007: 'Not found: Resource not found',
  E0000009: 'Internal Server Error',
  E0000011: 'Invalid token provided',
  E0000022: 'The endpoint does not support the provided HTTP method',
  E0000031: 'Invalid search criteria.',
  E0000047: 'API call exceeded rate limit due to too many requests.',
};

const DEFAULT_CODES: Record<number, string> = {
  400: 'E0000001',
  401: 'E0000011',
  403: 'E0000006',
  404: 'E0000007',
  429: 'E0000047',
  500: 'E0000009',
};

function errorBody(code: string, summary = SUMMARIES[code] ?? 'Error') {
  return {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${randomBytes(8).toString('hex')}`,
    errorCauses: [],
  };
}

/**
 * Okta counts requests per endpoint family, each with its own per-minute budget. Illustrative
 * budgets of the order the Management rate limits page lists; tests set their own.
 */
const BUCKETS: { family: string; matches: (path: string) => boolean; perMinute: number }[] = [
  { family: 'users', matches: (p) => p === '/api/v1/users', perMinute: 600 },
  { family: 'users/{id}', matches: (p) => p.startsWith('/api/v1/users/'), perMinute: 2000 },
  { family: 'groups', matches: (p) => p.startsWith('/api/v1/groups'), perMinute: 500 },
  { family: 'apps', matches: (p) => p.startsWith('/api/v1/apps'), perMinute: 600 },
  { family: 'policies', matches: (p) => p.startsWith('/api/v1/policies'), perMinute: 600 },
  { family: 'other', matches: () => true, perMinute: 1000 },
];

/** Maximum and default `limit` of each listing (Okta's docs per endpoint). */
const LIMITS = {
  users: { default: 200, max: 200 },
  groups: { default: 10_000, max: 10_000 },
  apps: { default: 20, max: 200 },
  policies: { default: 20, max: 200 },
  rules: { default: 20, max: 200 },
};

export async function startFakeOkta(options: FakeOktaOptions = {}): Promise<FakeOkta> {
  const data = oktaOrg(options);
  const tokens = new Set(options.tokens ?? ['okta-token']);
  const requests: LoggedRequest[] = [];
  const denied: string[] = [];
  const scripted: ScriptedAnswer[] = [];
  const abandoned: string[] = [];
  let held: { prefix: string; arrived: () => void; waiting: (() => void)[] } | undefined;
  const windows = new Map<string, { end: number; used: number }>();
  let budget429s = 0;
  let base = '';
  // The knobs tests change; the handlers read them at each request.
  const fake: Pick<FakeOkta, 'now' | 'latencyMs' | 'rateLimit'> = {
    now: Date.now,
    latencyMs: options.latencyMs ?? 0,
    rateLimit: options.rateLimit,
  };

  /** Counts a request against its family's window; the headers to send, and whether it is over budget. */
  function spend(path: string): { headers: Record<string, string>; over: boolean } {
    const bucket = BUCKETS.find((b) => b.matches(path))!;
    const { limit, windowMs } = fake.rateLimit ?? { limit: bucket.perMinute, windowMs: 60_000 };
    const now = fake.now();
    let window = windows.get(bucket.family);
    if (!window || now >= window.end) {
      // Windows end on a whole second: the reset header is in seconds.
      window = { end: Math.ceil((now + windowMs) / 1000) * 1000, used: 0 };
      windows.set(bucket.family, window);
    }
    const over = window.used >= limit;
    if (!over) window.used += 1;
    return {
      over,
      headers: {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(limit - window.used),
        'x-rate-limit-reset': String(window.end / 1000),
      },
    };
  }

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string | string[]> = {},
  ): number {
    const text = JSON.stringify(body);
    res
      .writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-okta-request-id': randomBytes(8).toString('hex'),
        ...headers,
      })
      .end(text);
    return status;
  }

  /** One page of `items` (sorted by id) after the request's `after`, with its Link headers. */
  function page<T extends { id: string }>(url: URL, items: T[], limits: { default: number; max: number }) {
    const asked = url.searchParams.get('limit');
    const limit = Math.min(
      asked === null ? limits.default : Math.max(1, Number(asked) || limits.default),
      limits.max,
    );
    const after = url.searchParams.get('after');
    const start = after === null ? 0 : items.findIndex((item) => item.id > after);
    const from = start < 0 ? items.length : start;
    const slice = items.slice(from, from + limit);
    const links = [`<${base}${url.pathname}${url.search}>; rel="self"`];
    if (from + limit < items.length && slice.length > 0) {
      const next = new URLSearchParams(url.searchParams);
      next.set('after', slice[slice.length - 1]!.id);
      next.set('limit', String(limit));
      links.push(`<${base}${url.pathname}?${next.toString()}>; rel="next"`);
    }
    return { slice, links };
  }

  const withLinks = <T extends { id: string }>(item: T, path: string) => ({
    ...item,
    _links: { self: { href: `${base}${path}/${item.id}` } },
  });

  function users(url: URL): OktaUserJson[] {
    const filter = url.searchParams.get('filter');
    const search = url.searchParams.get('search');
    let list = data.users;
    // List Users leaves DEPROVISIONED users out unless a filter or search asks (Users API notes).
    if (filter === null && search === null) list = list.filter((u) => u.status !== 'DEPROVISIONED');
    if (filter !== null) {
      const keep = parseExpression(filter, USER_FILTER);
      list = list.filter((u) => keep({ ...u }));
    }
    if (search !== null) {
      const keep = parseExpression(search);
      list = list.filter((u) => keep({ ...u }));
    }
    return [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  type Headers = Record<string, string | string[]>;
  type Answer = { status: number; body: unknown; link?: string[] };
  const notFound = (what: string, type: string): Answer => ({
    status: 404,
    body: errorBody('E0000007', `Not found: Resource not found: ${what} (${type})`),
  });
  const listing = <T extends { id: string }>(
    url: URL,
    items: T[],
    limits: { default: number; max: number },
    self: string | null,
  ): Answer => {
    const { slice, links } = page(url, items, limits);
    return {
      status: 200,
      body: self === null ? slice : slice.map((item) => withLinks(item, self)),
      link: links,
    };
  };

  /** The API's GET routes: a path pattern and its answer. */
  const routes: { pattern: RegExp; answer: (url: URL, id: string) => Answer }[] = [
    { pattern: /^\/api\/v1\/org$/, answer: () => ({ status: 200, body: data.org }) },
    {
      pattern: /^\/api\/v1\/users$/,
      answer: (url) => listing(url, users(url), LIMITS.users, '/api/v1/users'),
    },
    {
      pattern: /^\/api\/v1\/users\/([^/]+)\/factors$/,
      answer: (_, id) =>
        data.users.some((u) => u.id === id)
          ? { status: 200, body: data.factors.get(id) ?? [] }
          : notFound(id, 'User'),
    },
    {
      pattern: /^\/api\/v1\/users\/([^/]+)$/,
      answer: (_, id) => {
        const user = data.users.find((u) => u.id === id || u.profile.login === id);
        return user ? { status: 200, body: withLinks(user, '/api/v1/users') } : notFound(id, 'User');
      },
    },
    {
      pattern: /^\/api\/v1\/groups$/,
      answer: (url) => listing(url, data.groups, LIMITS.groups, '/api/v1/groups'),
    },
    {
      pattern: /^\/api\/v1\/groups\/([^/]+)$/,
      answer: (_, id) => {
        const group = data.groups.find((g) => g.id === id);
        return group ? { status: 200, body: withLinks(group, '/api/v1/groups') } : notFound(id, 'UserGroup');
      },
    },
    { pattern: /^\/api\/v1\/apps$/, answer: (url) => listing(url, data.apps, LIMITS.apps, '/api/v1/apps') },
    {
      pattern: /^\/api\/v1\/apps\/([^/]+)$/,
      answer: (_, id) => {
        const app = data.apps.find((a) => a.id === id);
        return app ? { status: 200, body: withLinks(app, '/api/v1/apps') } : notFound(id, 'AppInstance');
      },
    },
    {
      pattern: /^\/api\/v1\/policies$/,
      answer: (url) => {
        const type = url.searchParams.get('type');
        if (!type) return { status: 400, body: errorBody('E0000001', 'Api validation failed: type') };
        const status = url.searchParams.get('status');
        const list = data.policies.filter((p) => p.type === type && (status === null || p.status === status));
        return listing(url, list, LIMITS.policies, '/api/v1/policies');
      },
    },
    {
      pattern: /^\/api\/v1\/policies\/([^/]+)\/rules$/,
      answer: (url, id) =>
        data.policies.some((p) => p.id === id)
          ? listing(url, data.rules.get(id) ?? [], LIMITS.rules, null)
          : notFound(id, 'Policy'),
    },
  ];

  /** The answer to an authenticated, in-budget GET. */
  function route(url: URL, res: ServerResponse, headers: Headers): number {
    for (const { pattern, answer } of routes) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      const { status, body, link } = answer(url, decodeURIComponent(match[1] ?? ''));
      return send(res, status, body, link ? { ...headers, link } : headers);
    }
    const { status, body } = notFound(url.pathname, 'Resource');
    return send(res, status, body, headers);
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const pathAndQuery = `${url.pathname}${url.search}`;
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: pathAndQuery,
      authorization: req.headers.authorization ?? null,
      status: 0,
    };
    requests.push(entry);
    if (fake.latencyMs > 0) await delay(fake.latencyMs);
    const { headers, over } = spend(url.pathname);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('SSWS ') || !tokens.has(auth.slice(5))) {
      entry.status = send(res, 401, errorBody('E0000011'), {
        ...headers,
        'www-authenticate': 'SSWS realm="okta"',
      });
      return;
    }
    if (over) {
      budget429s += 1;
      entry.status = send(res, 429, errorBody('E0000047'), headers);
      return;
    }
    const index = scripted.findIndex((s) => s.path === undefined || pathAndQuery.startsWith(s.path));
    if (index >= 0) {
      const answer = scripted.splice(index, 1)[0]!;
      const code = answer.errorCode ?? DEFAULT_CODES[answer.status] ?? 'E0000009';
      // A scripted 429 is a burst or concurrency limit: nothing left until the next second.
      const limitHeaders =
        answer.status === 429
          ? {
              ...headers,
              'x-rate-limit-remaining': '0',
              'x-rate-limit-reset': String(Math.floor(fake.now() / 1000) + 1),
            }
          : headers;
      entry.status = send(res, answer.status, errorBody(code, answer.errorSummary), {
        ...limitHeaders,
        ...answer.headers,
      });
      return;
    }
    if (denied.some((prefix) => pathAndQuery.startsWith(prefix))) {
      entry.status = send(res, 403, errorBody('E0000006'), headers);
      return;
    }
    if (req.method !== 'GET') {
      entry.status = send(res, 405, errorBody('E0000022'), headers);
      return;
    }
    if (held && pathAndQuery.startsWith(held.prefix)) {
      const gate = held;
      res.on('close', () => {
        if (!res.writableEnded) abandoned.push(pathAndQuery);
      });
      gate.arrived();
      await new Promise<void>((resolve) => gate.waiting.push(resolve));
      if (res.destroyed) return;
    }
    try {
      entry.status = route(url, res, headers);
    } catch (error) {
      if (!(error instanceof InvalidExpressionError)) throw error;
      entry.status = send(
        res,
        400,
        errorBody('E0000031', `Invalid search criteria: ${error.message}`),
        headers,
      );
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody('E0000009', String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const release = () => {
    const gate = held;
    held = undefined;
    for (const resume of gate?.waiting ?? []) resume();
  };

  return {
    url: base,
    data,
    tokens,
    requests,
    abandoned,
    get now() {
      return fake.now;
    },
    set now(clock: () => number) {
      fake.now = clock;
    },
    get latencyMs() {
      return fake.latencyMs;
    },
    set latencyMs(ms: number) {
      fake.latencyMs = ms;
    },
    get rateLimit() {
      return fake.rateLimit;
    },
    set rateLimit(limit: { limit: number; windowMs: number } | undefined) {
      fake.rateLimit = limit;
      windows.clear();
    },
    get budget429s() {
      return budget429s;
    },
    deny: (prefix) => {
      denied.push(prefix);
    },
    failNext: (...answers) => {
      scripted.push(...answers);
    },
    hold: (prefix) =>
      new Promise<void>((arrived) => {
        held = { prefix, arrived, waiting: [] };
      }),
    release,
    touchUser: (id, change = {}) => {
      const index = data.users.findIndex((u) => u.id === id);
      if (index < 0) throw new Error(`no user ${id}`);
      const user: OktaUserJson = {
        ...data.users[index]!,
        ...change,
        lastUpdated: new Date(fake.now()).toISOString(),
      };
      data.users[index] = user;
      return user;
    },
    close: async () => {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

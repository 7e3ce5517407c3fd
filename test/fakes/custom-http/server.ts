/**
 * A fake JSON REST API on loopback for the custom HTTP connector: one listing in each pagination
 * style that connector reads, each following a documented convention, behind the credential a test
 * chooses.
 * - `GET /v1/users`: a JSON array paged by `page` and `per_page` (default 30, at most 100) with an
 *   RFC 8288 `Link` header naming first/prev/next/last by absolute URL built from the request's own
 *   query, whatever it holds (as GitHub's REST API and Django REST framework build theirs);
 *   `since` (ISO 8601) lists only users updated after it, and is a 422 when not a time.
 * - `GET /v1/channels`: Slack's cursor pagination: `limit` (default 100, at most 1000) and an opaque
 *   `cursor`; the body is `{ok, channels, response_metadata: {next_cursor}}`, next_cursor empty on
 *   the last page; a cursor it did not give is `{ok: false, error: "invalid_cursor"}` with HTTP 200.
 * - `GET /v1/tickets`: Django REST framework's LimitOffsetPagination: `limit` (default 50, at most
 *   100) and `offset`; the body is `{count, next, previous, results}`.
 * - `GET /v1/devices`: page numbers (`page`, `per_page`: default 20, at most 100; a page past the
 *   end is empty, as GitLab's) in an envelope `{data: {devices}, meta: {page, per_page, total}}`;
 *   each device a JSON:API resource `{id, type, attributes: {serial, …}}`.
 * - `GET /v1/teams`: every team at once, `{teams}`; `GET /v1/me`: the caller; `GET /v1/status`: an
 *   HTML page (a 200 that is not JSON).
 * Credentials (`auth`, changeable): none; a bearer token (RFC 6750: a refused one is a 401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`, a denied path a 403 `insufficient_scope`); an
 * API key in a named header or query parameter; HTTP Basic (RFC 7617, a 401 with
 * `WWW-Authenticate: Basic realm=…`). Knobs: the ground truth, scripted answers (a 429 with
 * Retry-After, 5xx), denied paths, holding a request, and the request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DataOptions, type FakeData, type FakeUser, fakeData } from './data.js';

export type FakeAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'api_key'; in: 'header' | 'query'; name: string; key: string }
  | { kind: 'basic'; username: string; password: string };

export interface ScriptedAnswer {
  status: number;
  /** Only requests whose path (with query) starts with this take it; any request when absent. */
  path?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LoggedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string | undefined>;
  status: number;
}

export interface FakeJsonApi {
  readonly url: string;
  readonly data: FakeData;
  auth: FakeAuth;
  readonly requests: LoggedRequest[];
  /** The next matching requests get these answers, in order (after authentication). */
  failNext(...answers: ScriptedAnswer[]): void;
  /** Requests on paths starting with `prefix` are refused with 403. */
  deny(prefix: string): void;
  /** Requests on paths starting with `prefix` wait until `release()`; resolves when the first arrives. */
  hold(prefix: string): Promise<void>;
  release(): void;
  /** Held requests the client gave up on before they were answered. */
  readonly abandoned: string[];
  /** Changes a user and sets its updated_at to now, as an API does on a change. */
  touchUser(id: string, change?: Partial<FakeUser>): FakeUser;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const REALM = 'fake-api';

function sizeParam(url: URL, name: string, fallback: number, max: number): number {
  const asked = Number(url.searchParams.get(name) ?? fallback);
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, max) : fallback;
}

function pageParam(url: URL, name: string): number {
  const asked = Number(url.searchParams.get(name) ?? 1);
  return Number.isInteger(asked) && asked >= 1 ? asked : 1;
}

export async function startFakeJsonApi(
  options: DataOptions & { auth?: FakeAuth } = {},
): Promise<FakeJsonApi> {
  const data = fakeData(options);
  const state = { auth: options.auth ?? ({ kind: 'none' } as FakeAuth) };
  const requests: LoggedRequest[] = [];
  const scripted: ScriptedAnswer[] = [];
  const denied: string[] = [];
  const abandoned: string[] = [];
  let held: { prefix: string; arrived: () => void; waiting: (() => void)[] } | undefined;
  let base = '';

  /** The request's URL with `set` replacing some of its parameters, every other one kept as sent. */
  const linkTo = (url: URL, set: Record<string, string | number>) => {
    const query = new URLSearchParams(url.searchParams);
    for (const [name, value] of Object.entries(set)) query.set(name, String(value));
    return `${base}${url.pathname}?${query}`;
  };

  function users(url: URL): Answer {
    let list = data.users;
    const since = url.searchParams.get('since');
    if (since !== null) {
      if (Number.isNaN(Date.parse(since))) {
        return {
          status: 422,
          body: { message: 'Validation Failed', errors: [{ field: 'since', code: 'invalid' }] },
        };
      }
      list = list.filter((u) => u.updated_at !== undefined && Date.parse(u.updated_at) > Date.parse(since));
    }
    const perPage = sizeParam(url, 'per_page', 30, 100);
    const page = pageParam(url, 'page');
    const last = Math.max(1, Math.ceil(list.length / perPage));
    const links: string[] = [];
    if (page > 1)
      links.push(
        `<${linkTo(url, { page: 1 })}>; rel="first"`,
        `<${linkTo(url, { page: page - 1 })}>; rel="prev"`,
      );
    if (page < last)
      links.push(
        `<${linkTo(url, { page: page + 1 })}>; rel="next"`,
        `<${linkTo(url, { page: last })}>; rel="last"`,
      );
    return {
      status: 200,
      body: list.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  }

  const encodeCursor = (id: string) => Buffer.from(`channel:${id}`).toString('base64');
  function channels(url: URL): Answer {
    const limit = sizeParam(url, 'limit', 100, 1000);
    const cursor = url.searchParams.get('cursor');
    let start = 0;
    if (cursor) {
      const id = Buffer.from(cursor, 'base64')
        .toString('utf8')
        .replace(/^channel:/, '');
      start = data.channels.findIndex((c) => c.id === id);
      if (start < 0 || encodeCursor(id) !== cursor)
        return { status: 200, body: { ok: false, error: 'invalid_cursor' } };
    }
    const slice = data.channels.slice(start, start + limit);
    const next = data.channels[start + limit];
    return {
      status: 200,
      body: {
        ok: true,
        channels: slice,
        response_metadata: { next_cursor: next ? encodeCursor(next.id) : '' },
      },
    };
  }

  function tickets(url: URL): Answer {
    const limit = sizeParam(url, 'limit', 50, 100);
    const asked = Number(url.searchParams.get('offset') ?? 0);
    const offset = Number.isInteger(asked) && asked >= 0 ? asked : 0;
    const count = data.tickets.length;
    return {
      status: 200,
      body: {
        count,
        next: offset + limit < count ? linkTo(url, { limit, offset: offset + limit }) : null,
        previous: offset > 0 ? linkTo(url, { limit, offset: Math.max(0, offset - limit) }) : null,
        results: data.tickets.slice(offset, offset + limit),
      },
    };
  }

  function devices(url: URL): Answer {
    const perPage = sizeParam(url, 'per_page', 20, 100);
    const page = pageParam(url, 'page');
    return {
      status: 200,
      body: {
        data: { devices: data.devices.slice((page - 1) * perPage, page * perPage) },
        meta: { page, per_page: perPage, total: data.devices.length },
      },
    };
  }

  const routes: Record<string, (url: URL) => Answer> = {
    '/v1/me': () => ({ status: 200, body: { id: 'svc-1', name: 'Sync service' } }),
    '/v1/users': users,
    '/v1/channels': channels,
    '/v1/tickets': tickets,
    '/v1/devices': devices,
    '/v1/teams': () => ({ status: 200, body: { teams: data.teams } }),
  };

  /** Why the request's credential is refused, as a 401 answer; undefined when it is accepted. */
  function refused(req: IncomingMessage, url: URL): Answer | undefined {
    const auth = state.auth;
    const authorization = req.headers.authorization ?? '';
    switch (auth.kind) {
      case 'none':
        return undefined;
      case 'bearer': {
        if (authorization === `Bearer ${auth.token}`) return undefined;
        // RFC 6750 §3.1: no error code when the request carries no credential at all.
        const challenge = authorization
          ? `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid"`
          : `Bearer realm="${REALM}"`;
        return {
          status: 401,
          body: { error: 'invalid_token', error_description: 'The access token is invalid' },
          headers: { 'www-authenticate': challenge },
        };
      }
      case 'api_key': {
        const sent =
          auth.in === 'header' ? req.headers[auth.name.toLowerCase()] : url.searchParams.get(auth.name);
        if (sent === auth.key) return undefined;
        return { status: 401, body: { error: 'invalid_api_key', message: 'Invalid or missing API key' } };
      }
      case 'basic': {
        const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
        if (authorization === expected) return undefined;
        return {
          status: 401,
          body: { error: 'unauthorized', message: 'Bad credentials' },
          headers: { 'www-authenticate': `Basic realm="${REALM}", charset="UTF-8"` },
        };
      }
    }
  }

  function send(res: ServerResponse, answer: Answer): number {
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res
      .writeHead(answer.status, {
        'content-type': typeof answer.body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
        'content-length': Buffer.byteLength(text),
        ...answer.headers,
      })
      .end(text);
    return answer.status;
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const pathAndQuery = `${url.pathname}${url.search}`;
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const entry: LoggedRequest = { method: req.method ?? 'GET', path: pathAndQuery, headers, status: 0 };
    requests.push(entry);
    const unauthorized = refused(req, url);
    if (unauthorized) {
      entry.status = send(res, unauthorized);
      return;
    }
    const index = scripted.findIndex((s) => s.path === undefined || pathAndQuery.startsWith(s.path));
    if (index >= 0) {
      const answer = scripted.splice(index, 1)[0]!;
      entry.status = send(res, {
        status: answer.status,
        body: answer.body ?? { error: `HTTP ${answer.status}` },
        ...(answer.headers ? { headers: answer.headers } : {}),
      });
      return;
    }
    if (denied.some((prefix) => pathAndQuery.startsWith(prefix))) {
      entry.status = send(res, {
        status: 403,
        body: { error: 'insufficient_scope', message: 'The credential may not read this resource' },
        ...(state.auth.kind === 'bearer'
          ? { headers: { 'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope"` } }
          : {}),
      });
      return;
    }
    if (req.method !== 'GET') {
      entry.status = send(res, { status: 405, body: { error: 'method_not_allowed' } });
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
    if (url.pathname === '/v1/status') {
      entry.status = send(res, {
        status: 200,
        body: '<!doctype html><title>Status</title><p>All systems go</p>',
      });
      return;
    }
    const route = routes[url.pathname];
    entry.status = send(res, route ? route(url) : { status: 404, body: { error: 'not_found' } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: String(error) } });
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
    get auth() {
      return state.auth;
    },
    set auth(auth: FakeAuth) {
      state.auth = auth;
    },
    requests,
    abandoned,
    failNext: (...answers) => {
      scripted.push(...answers);
    },
    deny: (prefix) => {
      denied.push(prefix);
    },
    hold: (prefix) =>
      new Promise<void>((arrived) => {
        held = { prefix, arrived, waiting: [] };
      }),
    release,
    touchUser: (id, change = {}) => {
      const index = data.users.findIndex((u) => u.id === id);
      if (index < 0) throw new Error(`no user ${id}`);
      const user: FakeUser = { ...data.users[index]!, ...change, updated_at: new Date().toISOString() };
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

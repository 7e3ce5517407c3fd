/**
 * A fake GitHub REST API on loopback (see http.ts and routes.ts for what it follows), serving one
 * organization. Knobs for tests: the primary budget per window and its clock, scripted failures
 * (server errors, primary and secondary rate limits), a latency, requests held until released, and
 * a log of every request. `pathPrefix: '/api/v3'` serves it as GitHub Enterprise Server does.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Answer,
  error,
  NO_USER_AGENT,
  notFound,
  RATE_LIMIT_DOCS,
  SECONDARY_DOCS,
  SUPPORTED_API_VERSIONS,
  send,
} from './http.js';
import type { FakeOrg, FakeToken } from './model.js';
import * as routes from './routes.js';

export type ScriptedFailure =
  /** A server error (`{"message":"Server Error"}` unless given). */
  | { kind: 'status'; status: number; message?: string; path?: RegExp }
  /** A secondary rate limit: 403 (or 429) with `retry-after` when given; the primary budget is untouched. */
  | { kind: 'secondary'; status?: 403 | 429; retryAfter?: number; path?: RegExp }
  /**
   * The rest of the current window's primary budget is spent (as by other clients of the same
   * token): answered 403 (or 429) with remaining 0 until the window resets.
   */
  | { kind: 'primary'; status?: 403 | 429; path?: RegExp };

export interface LoggedRequest {
  method: string;
  /** The path without the API prefix, and its query. */
  path: string;
  query: Record<string, string>;
  status: number;
  /** Answered with a primary or secondary rate limit. */
  rateLimited: boolean;
  authorization: string | null;
  userAgent: string | null;
  apiVersion: string | null;
}

export interface FakeGitHubOptions {
  org: FakeOrg;
  tokens: FakeToken[];
  /** `/api/v3` for GitHub Enterprise Server. */
  pathPrefix?: string;
  /** Sent as `x-github-enterprise-version` (GitHub Enterprise Server). */
  enterpriseVersion?: string;
  /** Requests per window and the window's length (GitHub.com: 5,000 an hour). */
  budget?: { limit: number; windowMs: number };
  /** The fake's clock (rate-limit windows); real time unless a test moves it. */
  now?: () => number;
  latencyMs?: number;
}

export interface FakeGitHub {
  /** The API base URL to configure as `base_url` (with the prefix). */
  readonly url: string;
  org: FakeOrg;
  readonly tokens: FakeToken[];
  readonly requests: LoggedRequest[];
  latencyMs: number;
  now: () => number;
  /** A new primary budget (the current window ends now). */
  setBudget(limit: number, windowMs: number): void;
  /** The next matching requests answer these failures, in order. */
  failNext(...failures: ScriptedFailure[]): void;
  /** Requests whose path matches wait until `release()`; resolves when the first arrives. */
  hold(path: RegExp): Promise<void>;
  /** Paths of held requests the client gave up on (closed) before they were answered. */
  readonly abandoned: string[];
  release(): void;
  close(): Promise<void>;
}

interface Window {
  used: number;
  /** Epoch ms, on a whole second (`x-ratelimit-reset` is in seconds). */
  resetAt: number;
}

function tokenOf(header: string | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const prefix = options.pathPrefix ?? '';
  const failures: ScriptedFailure[] = [];
  const requests: LoggedRequest[] = [];
  const abandoned: string[] = [];
  const windows = new Map<string, Window>();
  let budget = options.budget ?? { limit: 5000, windowMs: 3_600_000 };
  let held: { path: RegExp; arrived: () => void; waiting: (() => void)[] } | undefined;

  const fake = {
    url: '',
    org: options.org,
    tokens: options.tokens,
    requests,
    abandoned,
    latencyMs: options.latencyMs ?? 0,
    now: options.now ?? Date.now,
  };

  const windowOf = (key: string): Window => {
    const now = fake.now();
    let window = windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { used: 0, resetAt: Math.ceil((now + budget.windowMs) / 1000) * 1000 };
      windows.set(key, window);
    }
    return window;
  };

  const rateHeaders = (window: Window): Record<string, string> => ({
    'x-ratelimit-limit': String(budget.limit),
    'x-ratelimit-remaining': String(Math.max(0, budget.limit - window.used)),
    'x-ratelimit-reset': String(window.resetAt / 1000),
    'x-ratelimit-used': String(window.used),
    'x-ratelimit-resource': 'core',
  });

  const takeFailure = (path: string): ScriptedFailure | undefined => {
    const index = failures.findIndex((f) => !f.path || f.path.test(path));
    return index < 0 ? undefined : failures.splice(index, 1)[0];
  };

  const route = (path: string, ctx: routes.RouteContext): Answer => {
    let m: RegExpExecArray | null;
    const is = (pattern: RegExp) => {
      m = pattern.exec(path);
      return m !== null;
    };
    const orgMatches = (name: string) => name.toLowerCase() === ctx.org.login.toLowerCase();
    const orgById = (id: string) => Number(id) === ctx.org.id;
    if (path === '/user') return routes.getAuthenticatedUser(ctx);
    if (is(/^\/orgs\/([^/]+)$/)) return orgMatches(m![1]!) ? routes.getOrg(ctx) : notFound();
    if (is(/^\/(?:orgs\/([^/]+)|organizations\/(\d+))\/(repos|members|outside_collaborators)$/)) {
      if (!(m![1] ? orgMatches(m![1]) : orgById(m![2]!))) return notFound();
      if (m![3] === 'repos') return routes.listRepos(ctx);
      if (m![3] === 'members') return routes.listMembers(ctx);
      return routes.listOutsideCollaborators(ctx);
    }
    if (is(/^\/orgs\/([^/]+)\/memberships\/([^/]+)$/)) {
      return orgMatches(m![1]!) ? routes.getMembership(ctx, decodeURIComponent(m![2]!)) : notFound();
    }
    if (is(/^\/repos\/([^/]+)\/([^/]+)$/)) return routes.getRepo(ctx, m![1]!, m![2]!);
    if (is(/^\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)\/protection$/)) {
      return routes.getBranchProtection(ctx, m![1]!, m![2]!, decodeURIComponent(m![3]!));
    }
    if (is(/^\/repos\/([^/]+)\/([^/]+)\/vulnerability-alerts$/)) {
      return routes.checkVulnerabilityAlerts(ctx, m![1]!, m![2]!);
    }
    if (is(/^\/(?:repos\/([^/]+)\/([^/]+)|repositories\/(\d+))\/(dependabot|code-scanning)\/alerts$/)) {
      const repo = routes.repoBy(ctx, m![3] ? { id: Number(m![3]) } : { owner: m![1]!, name: m![2]! });
      if (!repo) return notFound();
      return m![4] === 'dependabot'
        ? routes.listDependabotAlerts(ctx, repo)
        : routes.listCodeScanningAlerts(ctx, repo);
    }
    return notFound();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || '/' : url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      rateLimited: false,
      authorization: req.headers.authorization ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      apiVersion: (req.headers['x-github-api-version'] as string | undefined) ?? null,
    };
    requests.push(entry);
    const common: Record<string, string> = {
      'x-github-request-id': randomUUID().toUpperCase(),
      ...(options.enterpriseVersion ? { 'x-github-enterprise-version': options.enterpriseVersion } : {}),
    };
    const reply = (answer: Answer, headers: Record<string, string> = {}) => {
      entry.status = answer.status;
      send(res, answer, { ...common, ...headers });
    };
    if (fake.latencyMs > 0) await delay(fake.latencyMs);
    if (!entry.userAgent) return reply({ status: 403, text: NO_USER_AGENT });
    if (held?.path.test(entry.path)) {
      const gate = held;
      res.on('close', () => {
        if (!res.writableEnded) abandoned.push(entry.path);
      });
      gate.arrived();
      await new Promise<void>((resolve) => gate.waiting.push(resolve));
    }
    if (!url.pathname.startsWith(prefix) || req.method !== 'GET') return reply(notFound());
    const secret = tokenOf(req.headers.authorization);
    const token = fake.tokens.find((t) => t.token === secret);
    if (!token) {
      const anonymous = windowOf('anonymous');
      return reply(
        secret === undefined ? error(401, 'Requires authentication') : error(401, 'Bad credentials'),
        rateHeaders(anonymous),
      );
    }
    const scopes: Record<string, string> = token.scopes ? { 'x-oauth-scopes': token.scopes.join(', ') } : {};
    if (entry.apiVersion !== null && !SUPPORTED_API_VERSIONS.includes(entry.apiVersion)) {
      return reply(error(400, `Unsupported 'X-GitHub-Api-Version' header: ${entry.apiVersion}`), scopes);
    }
    const window = windowOf(token.token);
    const failure = takeFailure(entry.path);
    if (failure?.kind === 'primary') window.used = budget.limit;
    if (window.used >= budget.limit) {
      entry.rateLimited = true;
      const status = failure?.kind === 'primary' ? (failure.status ?? 403) : 403;
      return reply(
        error(status, `API rate limit exceeded for user ID ${token.login.length}.`, RATE_LIMIT_DOCS),
        { ...scopes, ...rateHeaders(window) },
      );
    }
    window.used += 1;
    const headers = { ...scopes, ...rateHeaders(window) };
    if (failure?.kind === 'secondary') {
      entry.rateLimited = true;
      const retry: Record<string, string> =
        failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      const message =
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
        `If you reach out to GitHub Support for help, please include the request ID ${common['x-github-request-id']}.`;
      return reply(error(failure.status ?? 403, message, SECONDARY_DOCS), { ...headers, ...retry });
    }
    if (failure?.kind === 'status')
      return reply(error(failure.status, failure.message ?? 'Server Error'), headers);
    const base = `http://${req.headers.host}${prefix}`;
    return reply(route(entry.path, { org: fake.org, token, base, query: url.searchParams }), headers);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}${prefix}`;

  const release = () => {
    const gate = held;
    held = undefined;
    for (const resume of gate?.waiting ?? []) resume();
  };

  return Object.assign(fake, {
    setBudget(limit: number, windowMs: number) {
      budget = { limit, windowMs };
      windows.clear();
    },
    failNext(...next: ScriptedFailure[]) {
      failures.push(...next);
    },
    hold(path: RegExp) {
      return new Promise<void>((arrived) => {
        held = { path, arrived, waiting: [] };
      });
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

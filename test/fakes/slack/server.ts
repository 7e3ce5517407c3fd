/**
 * A fake Slack Web API on loopback (http.ts, methods.ts and oauth.ts say what it follows from
 * Slack's documentation), serving one workspace: auth.test, team.info, users.list,
 * conversations.list, conversations.info, chat.postMessage, oauth.v2.access and the OAuth v2
 * authorize page (events.ts builds the signed Events API deliveries it would send). Tokens are
 * checked on every call (`not_authed`, `invalid_auth`, `token_revoked`, `account_inactive`), and
 * rate limits are Slack's: per method and workspace, an HTTP 429 with `Retry-After` seconds and
 * `{"ok":false,"error":"ratelimited"}`. Knobs for tests: the ground truth (`data`), tokens and their
 * scopes, a budget per method and window with its clock, scripted answers, fewer items a page than
 * asked, latency, requests held until released, and a log of every request.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { type Answer, fail, readRequest, type SlackRequest, send } from './http.js';
import { type FakeToken, METHODS } from './methods.js';
import { FakeSlackOAuth, type OAuthApp } from './oauth.js';
import { slackWorkspace, type WorkspaceData, type WorkspaceOptions } from './workspace.js';

/** The scopes the connector asks for (its sync and chat.postMessage). */
export const BOT_SCOPES = [
  'team:read',
  'users:read',
  'users:read.email',
  'channels:read',
  'groups:read',
  'chat:write',
];
export const BOT_TOKEN = 'xoxb-1111-2222-fakebottoken';
export const REVOKED_TOKEN = 'xoxb-1111-2222-revokedtoken';

/** An answer a test scripts for the next matching call. */
export interface ScriptedAnswer {
  /** Only calls of this method take it; any call when absent. */
  method?: string;
  /** 429: a rate limit with `Retry-After: retryAfter` (default 1); 5xx: Slack having trouble. */
  status?: number;
  retryAfter?: number;
  /** An `ok: false` answer (HTTP 200) with this code, when no status is given (`missing_scope` names the method's scopes). */
  error?: string;
}

export interface LoggedRequest {
  httpMethod: string;
  /** The API method, e.g. `users.list`. */
  method: string;
  /** Its arguments, the token left out. */
  params: Record<string, unknown>;
  token: string | undefined;
  contentType: string | null;
  userAgent: string | null;
  status: number;
  /** The `error` of an `ok: false` answer. */
  error: string | null;
  /** Answered 429 (scripted or by the budget). */
  rateLimited: boolean;
}

export interface FakeSlackOptions extends WorkspaceOptions {
  /** A workspace built by the test; else one of `members` and `channels`. */
  workspace?: WorkspaceData;
  /** Accepted tokens (default: BOT_TOKEN with BOT_SCOPES, and REVOKED_TOKEN revoked). */
  tokens?: FakeToken[];
  /** Calls allowed per method in each window (Slack's tiers: 20+, 50+, 100+ a minute); none by default. */
  budget?: { limit: number; windowMs: number };
  /** The clock of the budget's windows (real time unless a test moves it). */
  now?: () => number;
  latencyMs?: number;
  /** Items a page at most, whatever `limit` asks (default 1,000, the documented maximum). */
  pageCap?: number;
  oauthApp?: Partial<OAuthApp>;
}

export interface FakeSlack {
  /** The Web API's base URL, as a connection's `base_url` (`…/api/`). */
  readonly url: string;
  /** Where the authorize page is: `{origin}/oauth/v2/authorize`. */
  readonly origin: string;
  readonly data: WorkspaceData;
  readonly tokens: FakeToken[];
  readonly requests: LoggedRequest[];
  readonly oauth: FakeSlackOAuth;
  latencyMs: number;
  pageCap: number;
  now: () => number;
  budget: { limit: number; windowMs: number } | undefined;
  /** The next matching calls get these answers, in order. */
  failNext(...answers: ScriptedAnswer[]): void;
  /** Calls of `method` wait until `release()`; resolves when the first arrives. */
  hold(method: string): Promise<void>;
  release(): void;
  /** Methods of held calls the client gave up on before they were answered. */
  readonly abandoned: string[];
  close(): Promise<void>;
}

export function botToken(data: WorkspaceData, token = BOT_TOKEN, scopes = BOT_SCOPES): FakeToken {
  return { token, scopes, userId: data.bot.userId };
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const data = options.workspace ?? slackWorkspace(options);
  const tokens = options.tokens ?? [botToken(data), { ...botToken(data, REVOKED_TOKEN), state: 'revoked' }];
  const requests: LoggedRequest[] = [];
  const abandoned: string[] = [];
  const scripted: ScriptedAnswer[] = [];
  const windows = new Map<string, { end: number; used: number }>();
  let held: { method: string; arrived: () => void; waiting: (() => void)[] } | undefined;
  const oauth = new FakeSlackOAuth(
    { clientId: '1111.2222', clientSecret: 'fake-client-secret', decision: 'allow', ...options.oauthApp },
    data,
    tokens,
  );
  const fake = {
    url: '',
    origin: '',
    data,
    tokens,
    requests,
    abandoned,
    oauth,
    latencyMs: options.latencyMs ?? 0,
    pageCap: options.pageCap ?? 1000,
    now: options.now ?? Date.now,
    budget: options.budget,
  };

  const takeScripted = (method: string) => {
    const index = scripted.findIndex((s) => s.method === undefined || s.method === method);
    return index < 0 ? undefined : scripted.splice(index, 1)[0];
  };

  /** Seconds until the method's window reopens when its budget is spent, else undefined. */
  const overBudget = (method: string): number | undefined => {
    if (!fake.budget) return undefined;
    const now = fake.now();
    let window = windows.get(method);
    if (!window || now >= window.end) {
      window = { end: now + fake.budget.windowMs, used: 0 };
      windows.set(method, window);
    }
    if (window.used >= fake.budget.limit) return Math.max(1, Math.ceil((window.end - now) / 1000));
    window.used += 1;
    return undefined;
  };

  const rateLimited = (retryAfter: number): Answer => ({
    status: 429,
    body: { ok: false, error: 'ratelimited' },
    headers: { 'retry-after': String(retryAfter) },
  });

  function call(request: SlackRequest): Answer {
    if (request.method === 'oauth.v2.access') return oauth.access(request);
    const method = METHODS[request.method];
    if (!method)
      return { status: 404, body: { ok: false, error: 'unknown_method', req_method: request.method } };
    if (request.malformed) return fail('invalid_form_data');
    if (request.token === undefined) return fail('not_authed');
    const token = tokens.find((t) => t.token === request.token);
    if (!token) return fail('invalid_auth');
    if (token.state === 'revoked') return fail('token_revoked');
    if (token.state === 'inactive') return fail('account_inactive');
    const scopes = {
      'x-oauth-scopes': token.scopes.join(','),
      'x-accepted-oauth-scopes': method.scopes(request.params).join(','),
    };
    const answer = answerFor(request, token, method);
    return { ...answer, headers: { ...scopes, ...answer.headers } };
  }

  function answerFor(request: SlackRequest, token: FakeToken, method: (typeof METHODS)[string]): Answer {
    const script = takeScripted(request.method);
    if (script?.status === 429) return rateLimited(script.retryAfter ?? 1);
    if (script?.status !== undefined)
      return { status: script.status, body: { ok: false, error: script.error ?? 'fatal_error' } };
    if (script?.error === 'missing_scope') {
      return fail('missing_scope', {
        needed: method.scopes(request.params).join(','),
        provided: token.scopes.join(','),
      });
    }
    if (script?.error !== undefined) return fail(script.error);
    // Slack counts calls per method and workspace.
    const wait = overBudget(request.method);
    if (wait !== undefined) return rateLimited(wait);
    const needed = method.scopes(request.params).filter((s) => !token.scopes.includes(s));
    if (needed.length > 0) {
      return fail('missing_scope', { needed: needed.join(','), provided: token.scopes.join(',') });
    }
    return method.answer({ data, token, params: request.params, pageCap: fake.pageCap });
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    if (req.method === 'GET' && url.pathname === '/oauth/v2/authorize') {
      const page = oauth.authorize(url);
      res.writeHead(
        page.status,
        page.location ? { location: page.location } : { 'content-type': 'text/plain' },
      );
      res.end(page.text ?? '');
      return;
    }
    const request = await readRequest(req);
    const entry: LoggedRequest = {
      httpMethod: request.httpMethod,
      method: request.method,
      params: request.params,
      token: request.token,
      contentType: req.headers['content-type'] ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      status: 0,
      error: null,
      rateLimited: false,
    };
    requests.push(entry);
    if (fake.latencyMs > 0) await delay(fake.latencyMs);
    if (held?.method === request.method) {
      const gate = held;
      res.on('close', () => {
        if (!res.writableEnded) abandoned.push(request.method);
      });
      gate.arrived();
      await new Promise<void>((resolve) => gate.waiting.push(resolve));
    }
    const answer: Answer = url.pathname.startsWith('/api/')
      ? call(request)
      : { status: 404, body: { ok: false, error: 'unknown_method' } };
    entry.status = answer.status;
    entry.error = answer.body.ok === false ? String(answer.body.error) : null;
    entry.rateLimited = answer.status === 429;
    if (!res.destroyed) send(res, answer, { 'x-slack-req-id': randomUUID().replaceAll('-', '') });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.origin = `http://127.0.0.1:${port}`;
  fake.url = `${fake.origin}/api/`;

  const release = () => {
    const gate = held;
    held = undefined;
    for (const resume of gate?.waiting ?? []) resume();
  };

  return Object.assign(fake, {
    failNext(...answers: ScriptedAnswer[]) {
      scripted.push(...answers);
    },
    hold(method: string) {
      return new Promise<void>((arrived) => {
        held = { method, arrived, waiting: [] };
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

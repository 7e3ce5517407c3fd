import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import type { EventItem, JsonValue } from '../src/api/types';
import { AppRoutes } from '../src/app/App';
import { bindCacheToSession } from '../src/app/cache';
import { type AppServices, createQueryClient, ServicesProvider } from '../src/app/services';
import { SessionManager } from '../src/auth/session';
import type { HandshakeAuth, LiveSocket } from '../src/live/live-client';
import api from './fixtures/api.json';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

export type Reply = { status: number; body?: unknown } | JsonValue;
type Handler = (call: Call) => Reply | Promise<Reply>;

/** Answers in turn, the last one again once the others are spent. */
export function sequence(...replies: Reply[]): Handler {
  return () => (replies.length > 1 ? replies.shift()! : replies[0]!);
}

/**
 * A fake of the API's HTTP surface: `routes` maps "METHOD /path" (without /api/v1 and the query)
 * to an answer (a body for 200, or `{ status, body }`) or a function of the call. Every call is
 * recorded.
 */
export function fakeApi(routes: Record<string, Handler | Reply>) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://localhost');
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    const call: Call = {
      method: init?.method ?? 'GET',
      path: url.pathname.replace(/^\/api\/v1/, ''),
      query: url.searchParams,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      headers,
    };
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    if (route === undefined) {
      return json(404, { error: { code: 'NOT_FOUND', message: `No fake for ${call.method} ${call.path}` } });
    }
    const reply = typeof route === 'function' ? await route(call) : route;
    if (isReply(reply)) return json(reply.status, reply.body);
    return json(200, reply);
  };
  return { fetch, calls };
}

function isReply(value: unknown): value is { status: number; body?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'status' in value &&
    typeof value.status === 'number'
  );
}

export function json(status: number, body: unknown): Response {
  if (status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export const error = (status: number, code: string, message: string, details?: unknown) => ({
  status,
  body: { error: { code, message, request_id: 'req-1', ...(details ? { details } : {}) } },
});

/** What a connection's page reads, answered from the recorded fixtures. */
export function connectionPageRoutes(connection: typeof api.connection): Record<string, Reply> {
  const path = `/integration-connections/${connection.id}`;
  return {
    [`GET ${path}`]: { data: connection },
    [`GET /integrations/${connection.definition_id}`]: { data: api.integration_demo },
    [`GET ${path}/health`]: { data: api.health },
    [`GET ${path}/runs`]: api.runs,
    [`GET ${path}/preview`]: error(422, 'CONNECTION_NOT_SYNCED', 'Not synced'),
    [`GET ${path}/evidence`]: { data: [], pagination: { page: 1, per_page: 10, total: 0, total_pages: 0 } },
    'GET /integrations/dashboard/sync-activity': {
      data: {
        timeline: [],
        totals: { runs_started: 0, runs_completed: 0, runs_failed: 0, items_synced: 0, webhooks_received: 0 },
      },
    },
  };
}

/** A session body as login and refresh answer it. */
export function sessionBody(token: string, expiresInSeconds = 900, org = api.me.org) {
  return {
    data: {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresInSeconds,
      expires_at: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
      refresh_token: `refresh-${token}`,
      refresh_expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      user: api.me.user,
      org,
    },
  };
}

/** `GET /auth/me` for a role with the given permissions. */
export function meAs(role: string, permissions: string[]) {
  return { data: { ...api.me, role, permissions, orgs: [{ ...api.me.org, role }] } };
}

export const VIEWER = [
  'org:read',
  'users:read',
  'teams:read',
  'catalog:read',
  'connections:read',
  'events:read',
  'runs:read',
  'dashboard:read',
  'preview:read',
];
export const OPERATOR = [
  ...VIEWER,
  'connections:create',
  'connections:update',
  'sync:trigger',
  'actions:run',
  'webhooks:manage',
  'events:publish',
];
export const ADMIN = [...OPERATOR, 'connections:delete', 'webhooks:rotate'];

/** A socket the test drives: it records the handshakes and fires the server's events. */
export class FakeSocket implements LiveSocket {
  active = true;
  connects = 0;
  disconnected = false;
  readonly handshakes: HandshakeAuth[] = [];
  readonly #listeners = new Map<string, ((...args: never[]) => void)[]>();

  constructor(private readonly auth: () => HandshakeAuth) {
    this.handshakes.push(auth());
  }

  #on(name: string, listener: (...args: never[]) => void) {
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener]);
  }

  #fire(name: string, ...args: unknown[]) {
    for (const listener of this.#listeners.get(name) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  onConnect = (l: () => void) => this.#on('connect', l);
  onDisconnect = (l: (reason: string) => void) => this.#on('disconnect', l);
  onConnectError = (l: (error: Error) => void) => this.#on('connect_error', l);
  onReconnectAttempt = (l: () => void) => this.#on('reconnect_attempt', l);
  onEvent = (l: (item: EventItem) => void) => this.#on('event', l);
  onResync = (l: () => void) => this.#on('resync', l);

  connect() {
    this.connects += 1;
    this.handshakes.push(this.auth());
  }

  disconnect() {
    this.disconnected = true;
    this.active = false;
  }

  // --- what the server does -------------------------------------------------------------------
  serverConnects() {
    this.#fire('connect');
  }
  serverDrops() {
    this.#fire('disconnect', 'transport close');
  }
  /** A reconnection by Socket.io itself: a new handshake, then connected. */
  reconnects() {
    this.#fire('reconnect_attempt');
    this.handshakes.push(this.auth());
    this.#fire('connect');
  }
  refuses(message: string) {
    this.active = false;
    this.#fire('connect_error', new Error(message));
  }
  emits(item: EventItem) {
    this.#fire('event', item);
  }
  resync() {
    this.#fire('resync');
  }
}

export function fakeSockets() {
  const sockets: FakeSocket[] = [];
  const connect = (auth: () => HandshakeAuth) => {
    const socket = new FakeSocket(auth);
    sockets.push(socket);
    return socket;
  };
  return { sockets, connect };
}

export function testServices(fetch: typeof globalThis.fetch): AppServices & { sockets: FakeSocket[] } {
  const session = new SessionManager({ fetch, lock: (task) => task() });
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { ...queryClient.getDefaultOptions().queries, retry: false } });
  bindCacheToSession(session, queryClient);
  const { sockets, connect } = fakeSockets();
  return { session, queryClient, connectSocket: connect, sockets };
}

/** The whole app at `path`, signed in through the fake's `POST /auth/refresh` when it has one. */
export function renderApp(services: AppServices, path: string, extra?: ReactNode) {
  return render(
    <ServicesProvider services={services}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
        {extra}
      </MemoryRouter>
    </ServicesProvider>,
  );
}

export { api };

/** An element's accessible description: the text of what its `aria-describedby` names. */
export function descriptionOf(element: Element): string {
  const ids = element.getAttribute('aria-describedby')?.split(/\s+/).filter(Boolean) ?? [];
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
}

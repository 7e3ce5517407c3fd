import crypto from 'node:crypto';
import path from 'node:path';
import { Agent, request } from 'undici';
import type { Config } from '../../src/config.js';
import { type Child, root, startNode } from '../lib.js';
import type { Store } from '../webhooks/switchboard.js';

/** Switchboard as bench/dashboard runs it, with the admin signed in. */
export interface Switchboard {
  child: Child;
  pid: number;
  origin: string;
  /** The admin's access token, and the org it is signed in to. */
  token: string;
  orgId: string;
  adminId: string;
  /** The key the service seals secrets with (webhook secrets are seeded sealed with it). */
  encryptionKey: string;
  /** The database as the service was given it. */
  database: Config['database'];
  /** GET under /api/v1 as the admin: the status and the body as it came. */
  get(url: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/** The database a store's service opens: the SQLite file in its data directory, or its PostgreSQL database. */
export function storeDatabase(store: Store): Config['database'] {
  return store.url
    ? { kind: 'postgres', url: store.url, poolMax: POOL_MAX }
    : { kind: 'sqlite', file: path.join(store.dir, 'switchboard.db') };
}

/** DATABASE_POOL_MAX's default, named so that the raw floor uses as many connections. */
export const POOL_MAX = 10;

/**
 * `switchboard serve` from the build (API, worker and scheduler in one process) on `store`, as an
 * operator starts it; the admin it bootstraps signs in through the API.
 */
export async function startSwitchboard(store: Store): Promise<Switchboard> {
  const password = crypto.randomBytes(18).toString('base64url');
  const encryptionKey = crypto.randomBytes(32).toString('base64');
  const child = startNode([path.join(root, 'dist/main.js'), 'serve'], {
    SWITCHBOARD_DATA_DIR: store.dir,
    DATABASE_URL: store.url ?? '',
    DATABASE_POOL_MAX: String(POOL_MAX),
    REDIS_URL: '',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    SWITCHBOARD_ENCRYPTION_KEY: encryptionKey,
    SWITCHBOARD_ADMIN_EMAIL: 'bench@example.com',
    SWITCHBOARD_ADMIN_PASSWORD: password,
    SWITCHBOARD_DEMO: 'false',
    // The bench's thousands of calls would run into the management API's per-minute limits.
    SWITCHBOARD_RATE_LIMITS: 'false',
    // One token for the whole bench (the default 15 minutes may not see it through).
    SWITCHBOARD_ACCESS_TOKEN_TTL: '7200',
    // The seeded 30 days of webhook events stay: the default 7 days' retention would prune them
    // while the bench measures.
    SWITCHBOARD_WEBHOOK_RETENTION_DAYS: '31',
  });
  try {
    const started = await child.line((l) => l.msg === 'switchboard started');
    const origin = String(started.url);
    // A connection idle for a second is not reused: the bench's raw phases leave the HTTP one idle
    // for a minute or more, near the server's keep-alive timeout, where a reuse can meet its close.
    const dispatcher = new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 });
    const call = async (method: 'GET' | 'POST', url: string, token?: string, body?: unknown) => {
      const res = await request(`${origin}/api/v1${url}`, {
        dispatcher,
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.statusCode, body: await res.body.text() };
    };
    const login = await call('POST', '/auth/login', undefined, { email: 'bench@example.com', password });
    if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${login.body}`);
    const token = String((JSON.parse(login.body) as { data: { access_token: string } }).data.access_token);
    const me = await call('GET', '/auth/me', token);
    if (me.status !== 200) throw new Error(`/auth/me: HTTP ${me.status} ${me.body}`);
    const identity = (JSON.parse(me.body) as { data: { user: { id: string }; org: { id: string } } }).data;
    return {
      child,
      pid: child.child.pid!,
      origin,
      token,
      orgId: identity.org.id,
      adminId: identity.user.id,
      encryptionKey,
      database: storeDatabase(store),
      get: (url) => call('GET', url, token),
      async stop() {
        await dispatcher.close();
        await child.stop();
      },
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

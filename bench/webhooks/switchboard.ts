import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { postgresDatabase } from '../../test/helpers/databases.js';
import { type Child, root, startNode, tempDir } from '../lib.js';
import type { Receiver } from './load.js';

/** Switchboard's PostgreSQL pool: DATABASE_POOL_MAX's default, named so that the floor uses as many. */
export const POSTGRES_POOL = 10;

/** Where a Switchboard process keeps its data: a fresh SQLite file, or a fresh PostgreSQL database. */
export interface Store {
  dialect: 'sqlite' | 'postgres';
  dir: string;
  /** The database's URL (PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

export async function freshStore(postgresAdminUrl: string | undefined): Promise<Store> {
  const dir = tempDir();
  const dropDir = () => fs.rmSync(dir, { recursive: true, force: true });
  if (!postgresAdminUrl) return { dialect: 'sqlite', dir, drop: async () => dropDir() };
  const database = await postgresDatabase(postgresAdminUrl);
  return {
    dialect: 'postgres',
    dir,
    url: database.url,
    async drop() {
      dropDir();
      await database.drop();
    },
  };
}

/** The ids of PostgreSQL's backends serving `url`'s database: the part of Switchboard's work done there. */
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

export interface WebhookCounters {
  total_received: number;
  total_processed: number;
  total_failed: number;
}

export interface Drained {
  ms: number;
  left: number;
}

export interface Switchboard {
  child: Child;
  pid: number;
  /** A new webhook (scheme hmac) on the bench's connection, as a receiver to load. */
  webhook(name: string): Promise<Receiver & { id: string }>;
  counters(webhookId: string): Promise<WebhookCounters>;
  /** The webhook's stored events, as its event list counts them. */
  storedEvents(webhookId: string): Promise<number>;
  /**
   * Waits until every event received has ended (processed or failed), `timeoutMs` at most: how
   * long it waited, and how many events were still waiting then (0 when all ended).
   */
  drained(webhookId: string, timeoutMs: number): Promise<Drained>;
  stop(): Promise<void>;
}

/**
 * `switchboard serve` (embedded: API, worker and the webhook processor in one process) from the
 * build, on `store`, as an operator starts it; the admin logs in through the API and creates a
 * connection of the demo connector to hang webhooks on.
 */
export async function startSwitchboard(store: Store): Promise<Switchboard> {
  const password = crypto.randomBytes(18).toString('base64url');
  const child = startNode([path.join(root, 'dist/main.js'), 'serve'], {
    SWITCHBOARD_DATA_DIR: store.dir,
    DATABASE_URL: store.url ?? '',
    DATABASE_POOL_MAX: String(POSTGRES_POOL),
    REDIS_URL: '',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    SWITCHBOARD_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_EMAIL: 'bench@example.com',
    SWITCHBOARD_ADMIN_PASSWORD: password,
    SWITCHBOARD_DEMO: 'false',
    // The management API's limits (50 calls a minute) would refuse the bench's polling of the
    // counters; the receive route counts against none of them either way.
    SWITCHBOARD_RATE_LIMITS: 'false',
    // The per-webhook gate still counts every delivery; its limit is raised above any rate here.
    SWITCHBOARD_WEBHOOK_RATE_LIMIT: '1000000',
  });
  try {
    const started = await child.line((l) => l.msg === 'switchboard started');
    const origin = String(started.url);
    const pid = child.child.pid!;
    const call = async (method: 'GET' | 'POST', url: string, token?: string, body?: unknown) => {
      const res = await request(`${origin}/api/v1${url}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.body.json()) as {
        data: Record<string, unknown>;
        pagination?: { total: number };
      };
      if (res.statusCode >= 300)
        throw new Error(`${method} ${url}: HTTP ${res.statusCode} ${JSON.stringify(json)}`);
      return json;
    };
    const login = await call('POST', '/auth/login', undefined, { email: 'bench@example.com', password });
    const token = String(login.data.access_token);
    const definition = await call('GET', '/integrations/demo', token);
    const connection = await call('POST', '/integration-connections', token, {
      definition_id: definition.data.id,
      name: 'Webhook bench',
      config: { api_token: 'bench' },
    });
    const hooks = `/integration-connections/${String(connection.data.id)}/webhooks`;
    const counters = async (id: string): Promise<WebhookCounters> => {
      const { data } = await call('GET', `${hooks}/${id}`, token);
      return {
        total_received: Number(data.total_received),
        total_processed: Number(data.total_processed),
        total_failed: Number(data.total_failed),
      };
    };
    return {
      child,
      pid,
      async webhook(name) {
        const { data } = await call('POST', hooks, token, { name, scheme: 'hmac' });
        const id = String(data.id);
        return {
          id,
          name: 'Switchboard',
          origin,
          path: `/api/v1/webhooks/receive/${id}`,
          secret: String(data.webhook_secret),
          pid,
          helpers: async () => (store.url ? backendPids(store.url) : []),
        };
      },
      counters,
      async storedEvents(id) {
        const list = await call('GET', `${hooks}/${id}/events?per_page=1`, token);
        return list.pagination!.total;
      },
      async drained(id, timeoutMs) {
        const started = performance.now();
        for (;;) {
          const c = await counters(id);
          const left = c.total_received - c.total_processed - c.total_failed;
          const ms = performance.now() - started;
          if (left <= 0 || ms > timeoutMs) return { ms, left };
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { type Database, openDatabase } from '../../../src/platform/db/database.js';
import { deleteKeysWithPrefix } from '../../../test/helpers/redis-keys.js';
import { type Child, root, startNode } from '../../lib.js';
import { POSTGRES_POOL, type Store } from '../switchboard.js';

/**
 * Switchboard as an operator runs it, from the build: `serve` (embedded) on SQLite; on PostgreSQL,
 * scale-out with Redis: an `api` process and a `worker` (the fan-out and the dispatcher) beside it.
 */
export interface Deployment {
  store: Store;
  /** The API's origin. */
  origin: string;
  /** Switchboard's processes: `serve`, or `api` and `worker`. */
  processes: { role: Role; pid: number }[];
  /** Switchboard's processes and, on PostgreSQL, the backends serving its database: whose CPU is its work. */
  workPids(): Promise<number[]>;
  /** Calls the API with an API key of the bench's org (`events:publish`, `webhooks:manage`); the JSON `data`. */
  call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T>;
  /** `Bearer sk_…` for requests the bench sends itself. */
  authorization: string;
  /** The bench's own connection to Switchboard's database (direct enqueues, checks). */
  database: Database;
  stop(): Promise<void>;
}

export interface DeployOptions {
  /** Node options for Switchboard's processes (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** Redis for scale-out (PostgreSQL only). */
  redisUrl: string;
}

/** Started processes' pids and stop, with what else has to go when they do. */
type Role = 'serve' | 'api' | 'worker';

async function startProcesses(store: Store, options: DeployOptions) {
  const password = crypto.randomBytes(18).toString('base64url');
  const redisPrefix = `sb-bench-outbound-${process.pid}-${crypto.randomBytes(4).toString('hex')}:`;
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: store.dir,
    DATABASE_URL: store.url ?? '',
    DATABASE_POOL_MAX: String(POSTGRES_POOL),
    REDIS_URL: store.url ? options.redisUrl : '',
    REDIS_KEY_PREFIX: redisPrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    SWITCHBOARD_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_EMAIL: 'bench@example.com',
    SWITCHBOARD_ADMIN_PASSWORD: password,
    SWITCHBOARD_DEMO: 'false',
    // The sink listens on loopback, over http.
    SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
    // The management API's per-caller limits would refuse the bench's 1,000 endpoint creations.
    SWITCHBOARD_RATE_LIMITS: 'false',
  };
  const children: Child[] = [];
  const processes: { role: Role; pid: number }[] = [];
  const start = async (role: Role) => {
    const child = startNode([...options.nodeArgs, path.join(root, 'dist/main.js'), role], env);
    children.push(child);
    processes.push({ role, pid: child.child.pid! });
    return String((await child.line((l) => l.msg === 'switchboard started')).url);
  };
  const stop = async () => {
    // The worker first: the API outliving it is the state a scale-out deployment can be in anyway.
    for (const child of [...children].reverse()) await child.stop();
    if (store.url) await deleteKeysWithPrefix(options.redisUrl, redisPrefix);
  };
  try {
    // On PostgreSQL the API migrates the database before the worker starts on it.
    const origin = await start(store.url ? 'api' : 'serve');
    if (store.url) await start('worker');
    return { origin, password, processes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The bench's own connections to PostgreSQL name themselves so: their backends are not Switchboard's work. */
const BENCH_APPLICATION = 'switchboard-bench';

/** The ids of PostgreSQL's backends serving Switchboard on `url`'s database. */
async function backendsOf(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'
         and pid <> pg_backend_pid() and application_name <> $1`,
      [BENCH_APPLICATION],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

function withApplicationName(url: string): string {
  const named = new URL(url);
  named.searchParams.set('application_name', BENCH_APPLICATION);
  return named.toString();
}

export async function deploy(store: Store, options: DeployOptions): Promise<Deployment> {
  const processes = await startProcesses(store, options);
  const database = openDatabase(
    store.url
      ? { kind: 'postgres', url: withApplicationName(store.url), poolMax: 2 }
      : { kind: 'sqlite', file: path.join(store.dir, 'switchboard.db') },
  );
  try {
    const call = async <T>(method: 'GET' | 'POST', route: string, body?: unknown, authorization?: string) => {
      const res = await request(`${processes.origin}/api/v1${route}`, {
        method,
        headers: {
          ...(authorization ? { authorization } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.body.json()) as { data: T };
      if (res.statusCode >= 300)
        throw new Error(`${method} ${route}: HTTP ${res.statusCode} ${JSON.stringify(json)}`);
      return json.data;
    };
    const login = await call<{ access_token: string }>('POST', '/auth/login', {
      email: 'bench@example.com',
      password: processes.password,
    });
    const key = await call<{ key: string }>(
      'POST',
      '/api-keys',
      { name: 'Outbound bench', scopes: ['events:publish', 'webhooks:manage'] },
      `Bearer ${login.access_token}`,
    );
    const authorization = `Bearer ${key.key}`;
    return {
      store,
      origin: processes.origin,
      processes: processes.processes,
      workPids: async () => [
        ...processes.processes.map((p) => p.pid),
        ...(store.url ? await backendsOf(store.url) : []),
      ],
      call: (method, route, body) => call(method, route, body, authorization),
      authorization,
      database,
      async stop() {
        await processes.stop();
        await database.close();
      },
    };
  } catch (error) {
    await processes.stop();
    await database.close();
    throw error;
  }
}

// What the sync benchmark's engine processes share: Switchboard in embedded mode (the app's services,
// the in-process queue and a sync worker executing runs), a logged-in org admin, and the connectors
// the bench syncs with.
import { type Insertable, sql } from 'kysely';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Connector } from '../../src/connectors/sdk.js';
import type { AppContext } from '../../src/context.js';
import { registerAccount } from '../../src/modules/auth/accounts.js';
import { syncCatalog } from '../../src/modules/catalog/service.js';
import { backgroundTasks } from '../../src/modules/sync/engine/background.js';
import { createSyncWorker } from '../../src/modules/sync/engine/engine.js';
import type { SyncWorker } from '../../src/modules/sync/engine/worker.js';
import type { Clock } from '../../src/platform/clock.js';
import { randomToken } from '../../src/platform/crypto/tokens.js';
import type { IntegrationConnectionsTable } from '../../src/platform/db/tables.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { closeContext, openContext } from '../../src/runtime.js';
import { ScriptedConnector } from '../../test/fakes/scripted-connector.js';

/** The provider process's bearer token; the connector sends it on every page request. */
export const PROVIDER_TOKEN = 'bench-token';
/** Records per page, on the engine's requests and the bare loop's alike. */
export const PER_PAGE = 100;

/**
 * The trivial connector: a run of it is pure engine cost (claim, one batch of one record and its
 * cursor, finish), calling nothing.
 */
export function trivialConnector(): ScriptedConnector {
  const connector = new ScriptedConnector();
  connector.batches = [{ entity: 'items', records: [{ id: 'one', data: { ok: true } }], cursor: '1' }];
  return connector;
}

export interface Engine {
  app: App;
  ctx: AppContext;
  worker: SyncWorker;
  orgId: string;
  userId: string;
  /** The org admin's access token, for requests from outside the process. */
  token: string;
  /** A request to the API as the org's admin, through Fastify's inject (no socket). */
  call(method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; body: unknown }>;
  definitionId(slug: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Switchboard as `serve` runs it in embedded mode, on the database the environment names: migrated,
 * catalog synced, the in-process queue consumed by a sync worker (concurrency from the config).
 * `tick: false` leaves the scheduler's ticks to the caller.
 */
export async function openEngine(options: {
  connectors: Connector[];
  clock?: Clock;
  tick?: boolean;
}): Promise<Engine> {
  const config = loadConfig(process.env);
  const ctx = openContext(config, createLogger(config.logLevel), options.clock);
  await ctx.database.migrate();
  await syncCatalog(ctx.database.db, options.connectors, ctx.clock.now());
  const app = await buildApp(ctx, {
    surface: 'api',
    connectors: options.connectors,
    queueBackend: 'in-process',
  });
  const worker = createSyncWorker(app.services, backgroundTasks(app.services));
  worker.start({ tick: options.tick ?? true });
  const { user, org } = await registerAccount(
    ctx.database.db,
    { email: 'bench@example.com', name: 'Bench', password: randomToken(), orgName: 'Bench' },
    { requestId: null, ip: null },
    ctx.clock.now(),
  );
  const token = (await app.services.sessions.start(user.id, org.id)).access_token;
  return {
    app,
    ctx,
    worker,
    orgId: org.id,
    userId: user.id,
    token,
    async call(method, url, payload) {
      const res = await app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
      return { status: res.statusCode, body: res.json() };
    },
    async definitionId(slug) {
      const row = await ctx.database.db
        .selectFrom('integration_definitions')
        .select('id')
        .where('slug', '=', slug)
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async close() {
      await worker.stop();
      await app.close();
      await closeContext(ctx);
    },
  };
}

/** A connection as a user makes one: created, tested and enabled through the API; its id. */
export async function connectThroughApi(
  engine: Engine,
  slug: string,
  name: string,
  config: Record<string, unknown>,
): Promise<string> {
  const expect = (what: string, res: { status: number; body: unknown }, status: number) => {
    if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { data: Record<string, unknown> };
  };
  const created = expect(
    'create',
    await engine.call('POST', '/integration-connections', {
      definition_id: await engine.definitionId(slug),
      name,
      config,
    }),
    201,
  );
  const id = String(created.data.id);
  const tested = expect('test', await engine.call('POST', `/integration-connections/${id}/test`), 200);
  if (tested.data.test_result !== 'success') throw new Error(`test failed: ${JSON.stringify(tested.data)}`);
  expect('enable', await engine.call('POST', `/integration-connections/${id}/enable`), 200);
  return id;
}

/** Queues a sync of the connection through the API, as a user's POST would; the run's id. */
export async function triggerSync(engine: Engine, connectionId: string): Promise<string> {
  const res = await engine.call('POST', `/integration-connections/${connectionId}/sync`, {});
  const data = (res.body as { data?: { run_id?: unknown } }).data;
  if (res.status !== 202 || typeof data?.run_id !== 'string') {
    throw new Error(`trigger: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }
  return data.run_id;
}

/**
 * Polls the run's row until it has ended (or `timeoutMs` has passed: the row as it is then, with
 * `completed_at` still null). A run that ended other than `completed` is an error.
 */
export async function runEnded(engine: Engine, runId: string, intervalMs = 10, timeoutMs = 600_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const run = await engine.ctx.database.db
      .selectFrom('sync_runs')
      .select(['status', 'started_at', 'completed_at', 'duration_ms', 'stats', 'error_message'])
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    if (run.completed_at !== null) {
      if (run.status !== 'completed')
        throw new Error(`run ${runId} ended ${run.status}: ${run.error_message}`);
      return run;
    }
    if (performance.now() > deadline) return run;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const SEED_BATCH = 500;

/**
 * Connections written straight into the database, `connected` and syncing on a schedule: how a
 * fleet that was set up long ago looks. `nextSyncAt(i)` gives each its next slot (null: none).
 */
export async function seedConnections(
  engine: Engine,
  slug: string,
  count: number,
  nextSyncAt: (i: number) => string | null,
): Promise<string[]> {
  const { db, dialect } = engine.ctx.database;
  const definitionId = await engine.definitionId(slug);
  const now = engine.ctx.clock.now().toISOString();
  const rows: Insertable<IntegrationConnectionsTable>[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      id: newId(),
      org_id: engine.orgId,
      definition_id: definitionId,
      name: `Bench ${String(i).padStart(6, '0')}`,
      description: null,
      instance_label: null,
      status: 'connected',
      health: 'healthy',
      config: {},
      secrets: null,
      sync_enabled: true,
      sync_interval_mins: 60,
      sync_cron: null,
      sync_timezone: null,
      health_check_interval_mins: 60,
      next_sync_at: nextSyncAt(i),
      // Health checks are not what this bench measures: none falls due during it.
      next_health_check_at: new Date(Date.parse(now) + 86_400_000).toISOString(),
      last_sync_at: null,
      last_sync_status: null,
      last_sync_error: null,
      last_sync_duration_ms: null,
      last_sync_stats: null,
      last_health_check_at: null,
      last_health_error: null,
      last_tested_at: now,
      last_test_passed_at: now,
      consecutive_failures: 0,
      total_runs: 0,
      successful_runs: 0,
      failed_runs: 0,
      tags: [],
      metadata: {},
      disabled_reason: null,
      created_by: engine.userId,
      created_at: now,
      updated_at: now,
    });
  }
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += SEED_BATCH) {
      await tx
        .insertInto('integration_connections')
        .values(rows.slice(i, i + SEED_BATCH))
        .execute();
    }
  });
  // What autovacuum would have done by the time such a fleet exists (see bench/connections).
  if (dialect === 'postgres') await sql`analyze integration_connections`.execute(db);
  return rows.map((r) => r.id);
}

/** A clock that stands still at `start` until `run()`, then runs `speed` times faster than real time. */
export interface AcceleratedClock extends Clock {
  readonly speed: number;
  /** Starts the clock; returns the real moment (performance.now()) it started at. */
  run(): number;
  /** The real moment (performance.now()) at which the clock reads `at`. */
  realAt(at: Date): number;
}

/**
 * The engine reads every "now" from this clock (slots, leases, run timestamps); timers still fire in
 * real time, so a tick every `tickMs` real milliseconds covers `tickMs × speed` of the clock's time.
 */
export function acceleratedClock(start: Date, speed: number): AcceleratedClock {
  let realStart: number | undefined;
  return {
    speed,
    now: () =>
      new Date(start.getTime() + (realStart === undefined ? 0 : (performance.now() - realStart) * speed)),
    run() {
      realStart ??= performance.now();
      return realStart;
    },
    realAt(at) {
      if (realStart === undefined) throw new Error('the clock has not started');
      return realStart + (at.getTime() - start.getTime()) / speed;
    },
  };
}

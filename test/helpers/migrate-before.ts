import { type Migration, Migrator, sql } from 'kysely';
import { connectors } from '../../src/connectors/registry.js';
import { syncCatalog } from '../../src/modules/catalog/service.js';
import { emptyStats } from '../../src/modules/sync/model.js';
import { columnTypes } from '../../src/platform/db/column-types.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, type TestAppOptions, testApp } from './app.js';
import { suiteDatabase, type TestDatabase } from './databases.js';
import { queuedRun } from './runs.js';
import { SYNC_TEST_ENV, scripted } from './sync.js';

/**
 * Migrates the app's database (opened with `migrate: false`) to the schema as it was before
 * `migration`, so that a migration's test can store rows the way earlier code did.
 */
export async function migrateBefore(t: TestApp, database: TestDatabase, migration: string): Promise<void> {
  const types = columnTypes(t.ctx.database.dialect);
  const before: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(migrations)) {
    if (name < migration) before[name] = { up: (k) => step.up(k, types) };
  }
  const options = database.options;
  const migrator = new Migrator({
    db: t.ctx.database.db,
    provider: { getMigrations: async () => before },
    ...(options.kind === 'postgres' && options.schema ? { migrationTableSchema: options.schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/**
 * An app on a database of its own whose schema is as it was before `migration`, its catalog
 * holding the built-in connectors and the scripted one; `t.ctx.database.migrate()` then runs it.
 */
export async function appBefore(migration: string, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await suiteDatabase();
  const all = [...connectors, scripted];
  const t = await testApp({ database, migrate: false, connectors: all, env: SYNC_TEST_ENV, ...options });
  await migrateBefore(t, database, migration);
  await syncCatalog(t.ctx.database.db, all, t.ctx.clock.now());
  return t;
}

/**
 * A connected connection of `slug` written as the schema before a migration holds it (no column a
 * later migration adds), and without the app's queries: they read today's columns, which the table
 * does not have yet.
 */
export async function connectionBefore(
  t: TestApp,
  orgId: string,
  slug: string,
  name = `${slug} before`,
): Promise<string> {
  const db = t.ctx.database.db;
  const definition = await db
    .selectFrom('integration_definitions')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  const at = t.ctx.clock.now().toISOString();
  const connection = {
    id: newId(),
    org_id: orgId,
    definition_id: definition.id,
    name,
    status: 'connected',
    health: 'healthy',
    config: {},
    sync_enabled: true,
    sync_interval_mins: 60,
    health_check_interval_mins: 15,
    consecutive_failures: 0,
    total_runs: 0,
    successful_runs: 0,
    failed_runs: 0,
    tags: [],
    metadata: {},
    created_at: at,
    updated_at: at,
  };
  await db.insertInto('integration_connections').values(connection).execute();
  return connection.id;
}

/**
 * A run of the connection that started and ended at `ended`, written with only the columns the
 * schema before a migration has (today's run end writes later ones); its id.
 */
export async function runBefore(
  t: TestApp,
  connectionId: string,
  run: { fullSync: boolean; status: string; ended: Date; stats?: Record<string, number> },
): Promise<string> {
  const db = t.ctx.database.db;
  const runId = await queuedRun(t, connectionId, {
    trigger: 'manual',
    fullSync: run.fullSync,
    at: run.ended,
  });
  const pg = t.ctx.database.dialect === 'postgres';
  const at = run.ended.toISOString();
  const instant = pg ? sql`${at}::timestamptz` : sql`${at}`;
  const stats = JSON.stringify(run.stats ?? emptyStats());
  const json = pg ? sql`${stats}::jsonb` : sql`${stats}`;
  await sql`update sync_runs set status = ${run.status}, started_at = ${instant}, completed_at = ${instant},
    stats = ${json} where id = ${runId}`.execute(db);
  return runId;
}

import { type Migration, Migrator } from 'kysely';
import { connectors } from '../../src/connectors/registry.js';
import { syncCatalog } from '../../src/modules/catalog/service.js';
import { columnTypes } from '../../src/platform/db/column-types.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { type TestApp, type TestAppOptions, testApp } from './app.js';
import { suiteDatabase, type TestDatabase } from './databases.js';
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

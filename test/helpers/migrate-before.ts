import { type Migration, Migrator } from 'kysely';
import { columnTypes } from '../../src/platform/db/column-types.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import type { TestApp } from './app.js';
import type { TestDatabase } from './databases.js';

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

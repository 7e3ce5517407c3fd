import { sql } from 'kysely';
import type { SchemaMigration } from './index.js';

/**
 * A run's `items_synced` as a column of its own, written when the run ends (stats keep it too),
 * and the dashboard's windows over finished runs read from indexes that hold every column they
 * aggregate. Reading it out of the stats JSON of each run in a window, and each run's row beside its
 * index entry, made the per-connection week figures scan a week of rows (bench/dashboard). The
 * indexes replace the narrower ones of 0013 and 0016 they begin with. Existing runs are filled in.
 */
export const runItemsSynced: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .alterTable('sync_runs')
      .addColumn('items_synced', t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    const stored =
      t.dialect === 'postgres'
        ? sql`coalesce((stats ->> 'items_synced')::integer, 0)`
        : sql`coalesce(json_extract(stats, '$.items_synced'), 0)`;
    await sql`update sync_runs set items_synced = ${stored}`.execute(db);

    await db.schema.dropIndex('sync_runs_org_completed_idx').execute();
    await db.schema
      .createIndex('sync_runs_org_finished_idx')
      .on('sync_runs')
      .columns(['org_id', 'completed_at', 'status', 'connection_id', 'items_synced'])
      .execute();
    await db.schema.dropIndex('sync_runs_connection_completed_idx').execute();
    await db.schema
      .createIndex('sync_runs_connection_finished_idx')
      .on('sync_runs')
      .columns(['connection_id', 'completed_at', 'status', 'org_id', 'items_synced'])
      .execute();
  },
};

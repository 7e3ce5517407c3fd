import { sql } from 'kysely';
import type { SchemaMigration } from './index.js';

/**
 * When a connection's last full sync completed: the scheduler makes a scheduled run full once it
 * is older than the full-sync interval, so what a provider deleted is marked deleted without
 * anyone asking. Filled from the runs already stored.
 */
export const connectionLastFullSync: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .alterTable('integration_connections')
      .addColumn('last_full_sync_at', t.timestamp)
      .execute();
    await sql`update integration_connections set last_full_sync_at = (
      select max(r.completed_at) from sync_runs r
      where r.connection_id = integration_connections.id and r.full_sync = ${sql.lit(true)}
        and r.status = 'completed'
    )`.execute(db);
  },
};

import { sql } from 'kysely';
import type { SchemaMigration } from './index.js';

/**
 * Connection lists sort descending with nulls last (never-synced connections at the end in both
 * orders). PostgreSQL answers that from an index only when the index says so (bench/connections).
 */
export const connectionSortIndexes: SchemaMigration = {
  async up(db, t) {
    if (!t.indexNullsOrder) return;
    for (const column of ['name', 'last_sync_at', 'created_at']) {
      await sql`create index ${sql.id(`integration_connections_org_${column}_desc_idx`)} on integration_connections (org_id, ${sql.id(column)} desc nulls last, id desc)`.execute(
        db,
      );
    }
  },
};

import { sql } from 'kysely';
import { type Db, isPostgres } from '../../../platform/db/database.js';

/**
 * PostgreSQL plans each page's lookup of stored records from sync_records' statistics. A table that
 * grew since they were taken is planned as tiny, and every lookup then reads all of the
 * connection's rows: 26 s instead of ~10 s for 100,000 records (bench/sync, autovacuum off).
 * Autovacuum would catch up within its next pass; a large first sync cannot wait for it. Runs call
 * this as their created records double, with how many they created since they last refreshed: past
 * autovacuum's own threshold for the table's size, the lookup's key columns are analyzed (not
 * `data`, the costly part). True when it analyzed. SQLite keeps no statistics: nothing to do.
 */
export async function refreshRecordStatistics(db: Db, createdSince: number): Promise<boolean> {
  if (!isPostgres(db)) return false;
  const { rows } = await sql<{ rows: number }>`
    select greatest(reltuples, 0)::float8 as rows from pg_class where oid = 'sync_records'::regclass`.execute(
    db,
  );
  if (createdSince <= 50 + 0.1 * (rows[0]?.rows ?? 0)) return false;
  await sql`analyze sync_records (connection_id, entity, external_id)`.execute(db);
  return true;
}

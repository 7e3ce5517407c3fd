import { type Kysely, sql } from 'kysely';
import { rankBy } from '../rank.js';
import type { SchemaMigration } from './index.js';

// The orders of statuses and healths as this migration shipped; the list's sort expression must
// equal the indexed one, so a change to either list needs a new migration.
const STATUSES = ['pending_setup', 'configuring', 'connected', 'error', 'disabled', 'syncing'];
const HEALTHS = ['healthy', 'degraded', 'unhealthy', 'unknown'];

/**
 * Indexes for the connection list (bench/connections, 10,000 connections in an org):
 * - status and health sorts read an index on the rank expression instead of sorting the org;
 * - (org, name, id, description) serves name-sorted pages from the index alone, deep ones too, and
 *   lets a search scan names and descriptions without reading whole rows;
 * - on PostgreSQL with pg_trgm available, trigram indexes answer `lower(…) like '%term%'`.
 */
export const connectionListIndexes: SchemaMigration = {
  async up(db, t) {
    for (const [column, values] of [
      ['status', STATUSES],
      ['health', HEALTHS],
    ] as const) {
      await sql`create index ${sql.id(`integration_connections_org_${column}_rank_idx`)} on integration_connections (org_id, (${rankBy(column, values)}), id)`.execute(
        db,
      );
    }
    await db.schema
      .createIndex('integration_connections_org_search_idx')
      .on('integration_connections')
      .columns(['org_id', 'name', 'id', 'description'])
      .execute();
    if (t.dialect === 'postgres') await trigramIndexes(db);
  },
};

/** The schema pg_trgm lives in, installing it in `public` when it can; undefined when unavailable. */
async function trigramSchema(db: Kysely<unknown>): Promise<string | undefined> {
  // Migrations of several schemas may run at once on one database (tests); one installs.
  await sql`select pg_advisory_xact_lock(hashtext('switchboard:pg_trgm'))`.execute(db);
  const state = await sql<{ installed: string | null; available: boolean; public: boolean }>`
    select (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
             where e.extname = 'pg_trgm') as installed,
           exists (select 1 from pg_available_extensions where name = 'pg_trgm')
             and has_database_privilege(current_database(), 'CREATE') as available,
           exists (select 1 from pg_namespace where nspname = 'public') as public`.execute(db);
  const row = state.rows[0];
  if (row?.installed) return row.installed;
  if (!row?.available || !row.public) return undefined;
  // In `public`, not the current schema: a schema dropped with cascade would take it along.
  await sql`create extension pg_trgm schema public`.execute(db);
  return 'public';
}

async function trigramIndexes(db: Kysely<unknown>): Promise<void> {
  const schema = await trigramSchema(db);
  if (!schema) return;
  for (const column of ['name', 'description']) {
    await sql`create index ${sql.id(`integration_connections_${column}_trgm_idx`)} on integration_connections using gin (lower(${sql.id(column)}) ${sql.id(schema, 'gin_trgm_ops')})`.execute(
      db,
    );
  }
}

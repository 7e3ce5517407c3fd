import { sql } from 'kysely';
import type { SchemaMigration } from './index.js';

/**
 * Sync runs and what they produce. The database is the truth: the queue carries run ids only, the
 * scheduler's unique key makes a scheduled slot a single run, and a partial unique index allows one
 * active (pending or running) run per connection.
 */
export const sync: SchemaMigration = {
  async up(db, t) {
    // IANA zone a connection's cron is read in; null means UTC.
    await db.schema.alterTable('integration_connections').addColumn('sync_timezone', t.text).execute();
    await db.schema
      .createIndex('integration_connections_due_idx')
      .on('integration_connections')
      .columns(['next_sync_at'])
      .execute();
    await db.schema
      .createIndex('integration_connections_health_due_idx')
      .on('integration_connections')
      .columns(['next_health_check_at'])
      .execute();

    await db.schema
      .createTable('sync_runs')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('trigger', t.text, (c) => c.notNull())
      .addColumn('triggered_by', t.id, (c) => c.references('users.id').onDelete('set null'))
      // Kept as it was when the run started, so history survives renames and deletions.
      .addColumn('triggered_by_name', t.text)
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('full_sync', t.bool, (c) => c.notNull())
      // The schedule slot a scheduled run fills; null for runs started otherwise.
      .addColumn('scheduled_for', t.timestamp)
      .addColumn('queued_at', t.timestamp, (c) => c.notNull())
      // A pending run waiting out a retry backoff is not due before this.
      .addColumn('not_before', t.timestamp)
      .addColumn('started_at', t.timestamp)
      .addColumn('completed_at', t.timestamp)
      .addColumn('duration_ms', t.integer)
      .addColumn('stats', t.json, (c) => c.notNull())
      .addColumn('error_message', t.text)
      .addColumn('error_class', t.text)
      .addColumn('error_details', t.json)
      .addColumn('retry_count', t.integer, (c) => c.notNull())
      .addColumn('max_retries', t.integer, (c) => c.notNull())
      .addColumn('config_snapshot', t.json, (c) => c.notNull())
      .addColumn('log_counts', t.json, (c) => c.notNull())
      .addColumn('lease_owner', t.text)
      .addColumn('lease_expires_at', t.timestamp)
      .addColumn('cancel_requested_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addUniqueConstraint('sync_runs_connection_slot_uq', ['connection_id', 'scheduled_for'])
      .execute();
    await sql`create unique index sync_runs_one_active_uq on sync_runs (connection_id) where status in ('pending', 'running')`.execute(
      db,
    );
    for (const columns of [
      ['connection_id', 'created_at'],
      ['org_id', 'created_at'],
      ['status', 'lease_expires_at'],
    ]) {
      await db.schema
        .createIndex(`sync_runs_${columns.join('_')}_idx`)
        .on('sync_runs')
        .columns(columns)
        .execute();
    }

    await db.schema
      .createTable('sync_run_logs')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('run_id', t.id, (c) => c.notNull().references('sync_runs.id').onDelete('cascade'))
      .addColumn('org_id', t.id, (c) => c.notNull())
      .addColumn('level', t.text, (c) => c.notNull())
      .addColumn('message', t.text, (c) => c.notNull())
      .addColumn('details', t.json)
      .addColumn('source', t.text)
      .addColumn('item_ref', t.text)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sync_run_logs_run_idx')
      .on('sync_run_logs')
      .columns(['run_id', 'id'])
      .execute();
    await db.schema
      .createIndex('sync_run_logs_run_level_idx')
      .on('sync_run_logs')
      .columns(['run_id', 'level', 'id'])
      .execute();

    // The provider's records as last seen, keyed by their id at the provider.
    await db.schema
      .createTable('sync_records')
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('entity', t.text, (c) => c.notNull())
      .addColumn('external_id', t.text, (c) => c.notNull())
      .addColumn('org_id', t.id, (c) => c.notNull())
      .addColumn('content_hash', t.text, (c) => c.notNull())
      .addColumn('data', t.json, (c) => c.notNull())
      .addColumn('last_seen_run_id', t.id, (c) => c.notNull())
      .addColumn('deleted_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_records_pk', ['connection_id', 'entity', 'external_id'])
      .execute();

    await db.schema
      .createTable('sync_cursors')
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('entity', t.text, (c) => c.notNull())
      .addColumn('cursor', t.text, (c) => c.notNull())
      .addColumn('run_id', t.id, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_cursors_pk', ['connection_id', 'entity'])
      .execute();

    await db.schema
      .createTable('sync_evidence')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull())
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('run_id', t.id, (c) => c.notNull().references('sync_runs.id').onDelete('cascade'))
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('summary', t.text, (c) => c.notNull())
      .addColumn('content_hash', t.text, (c) => c.notNull())
      .addColumn('data', t.json, (c) => c.notNull())
      .addColumn('collected_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sync_evidence_connection_idx')
      .on('sync_evidence')
      .columns(['connection_id', 'collected_at'])
      .execute();
  },
};

import type { SchemaMigration } from './index.js';

export const integrations: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('integration_definitions')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('slug', t.text, (c) => c.notNull().unique())
      // The code connector that implements this entry (several entries may share one).
      .addColumn('connector', t.text, (c) => c.notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('provider', t.text, (c) => c.notNull())
      .addColumn('category', t.text, (c) => c.notNull())
      .addColumn('short_description', t.text, (c) => c.notNull())
      .addColumn('description', t.text, (c) => c.notNull())
      .addColumn('icon_url', t.text, (c) => c.notNull())
      .addColumn('documentation_url', t.text)
      .addColumn('website_url', t.text)
      .addColumn('auth_type', t.text, (c) => c.notNull())
      .addColumn('config_schema', t.json, (c) => c.notNull())
      .addColumn('capabilities', t.json, (c) => c.notNull())
      .addColumn('entities', t.json, (c) => c.notNull())
      .addColumn('oauth', t.json)
      .addColumn('version', t.text, (c) => c.notNull())
      .addColumn('tags', t.json, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('audience', t.text, (c) => c.notNull())
      .addColumn('is_builtin', t.bool, (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('integration_connections')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('definition_id', t.id, (c) => c.notNull().references('integration_definitions.id'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('instance_label', t.text)
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('health', t.text, (c) => c.notNull())
      // Non-secret config in clear; secret fields only in `secrets`, encrypted.
      .addColumn('config', t.json, (c) => c.notNull())
      .addColumn('secrets', t.text)
      .addColumn('sync_enabled', t.bool, (c) => c.notNull())
      .addColumn('sync_interval_mins', t.integer, (c) => c.notNull())
      .addColumn('sync_cron', t.text)
      .addColumn('health_check_interval_mins', t.integer, (c) => c.notNull())
      .addColumn('next_sync_at', t.timestamp)
      .addColumn('next_health_check_at', t.timestamp)
      .addColumn('last_sync_at', t.timestamp)
      .addColumn('last_sync_status', t.text)
      .addColumn('last_sync_error', t.text)
      .addColumn('last_sync_duration_ms', t.integer)
      .addColumn('last_sync_stats', t.json)
      .addColumn('last_health_check_at', t.timestamp)
      .addColumn('last_health_error', t.text)
      .addColumn('last_tested_at', t.timestamp)
      .addColumn('last_test_passed_at', t.timestamp)
      .addColumn('consecutive_failures', t.integer, (c) => c.notNull())
      .addColumn('total_runs', t.integer, (c) => c.notNull())
      .addColumn('successful_runs', t.integer, (c) => c.notNull())
      .addColumn('failed_runs', t.integer, (c) => c.notNull())
      .addColumn('tags', t.json, (c) => c.notNull())
      .addColumn('metadata', t.json, (c) => c.notNull())
      .addColumn('disabled_reason', t.text)
      .addColumn('created_by', t.id, (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addUniqueConstraint('integration_connections_org_name_uq', ['org_id', 'name'])
      .execute();
    for (const columns of [
      ['org_id', 'created_at'],
      ['org_id', 'status'],
      ['org_id', 'health'],
      ['org_id', 'definition_id'],
      ['org_id', 'last_sync_at'],
    ]) {
      await db.schema
        .createIndex(`integration_connections_${columns.join('_')}_idx`)
        .on('integration_connections')
        .columns(columns)
        .execute();
    }
  },
};

import type { SchemaMigration } from './index.js';

/**
 * Indexes for the dashboard's windows (modules/dashboard): an org's runs by when they started and
 * when they ended, and its received webhook events by when they arrived.
 */
export const activityIndexes: SchemaMigration = {
  async up(db) {
    await db.schema
      .createIndex('sync_runs_org_started_idx')
      .on('sync_runs')
      .columns(['org_id', 'started_at'])
      .execute();
    await db.schema
      .createIndex('sync_runs_org_completed_idx')
      .on('sync_runs')
      .columns(['org_id', 'completed_at'])
      .execute();
    await db.schema
      .createIndex('webhook_events_org_received_idx')
      .on('webhook_events')
      .columns(['org_id', 'received_at'])
      .execute();
  },
};

import type { SchemaMigration } from './index.js';

/**
 * A webhook's counters as rows added beside it (see modules/webhooks/storage/webhooks.ts): each
 * delivery stored and each event's outcome inserts one, which the processor folds into the
 * webhook's own totals every second. Updating the webhook's row instead made every delivery of a
 * webhook wait on that one row's lock until the transaction before it committed.
 * No foreign key: a key check would lock the webhook's row again; folding drops orphans.
 */
export const webhookCounts: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('webhook_counts')
      .addColumn('webhook_id', t.id, (c) => c.notNull())
      .addColumn('received', t.integer, (c) => c.notNull())
      .addColumn('processed', t.integer, (c) => c.notNull())
      .addColumn('failed', t.integer, (c) => c.notNull())
      .addColumn('last_received_at', t.timestamp)
      .execute();
    await db.schema
      .createIndex('webhook_counts_webhook_idx')
      .on('webhook_counts')
      .column('webhook_id')
      .execute();
  },
};

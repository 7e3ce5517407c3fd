import type { SchemaMigration } from './index.js';

/**
 * Inbound webhooks (see modules/webhooks): the endpoints a connection receives provider events on,
 * and every delivery received. An event row is the durable record the receiver commits before it
 * acknowledges, and the queue the processor claims work from (`lease_until`).
 *
 * `dedupe_key` is the provider's delivery id on the first event of that id only (a duplicate keeps
 * it null), so the unique index refuses a second one even when both arrive at once.
 */
export const webhooks: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull())
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('scheme', t.text, (c) => c.notNull())
      .addColumn('signature_header', t.text, (c) => c.notNull())
      .addColumn('signature_algo', t.text, (c) => c.notNull())
      .addColumn('event_types', t.json, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('secret', t.text, (c) => c.notNull())
      .addColumn('rate_limit_per_minute', t.integer)
      .addColumn('total_received', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('total_processed', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('total_failed', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('last_received_at', t.timestamp)
      .addColumn('last_error', t.text)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhooks_connection_name_idx')
      .on('webhooks')
      .columns(['connection_id', 'name'])
      .unique()
      .execute();

    await db.schema
      .createTable('webhook_events')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull())
      .addColumn('connection_id', t.id, (c) => c.notNull())
      .addColumn('webhook_id', t.id, (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
      .addColumn('delivery_id', t.text)
      .addColumn('dedupe_key', t.text)
      .addColumn('event_type', t.text)
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('headers', t.json, (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('error', t.text)
      .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', t.timestamp)
      .addColumn('lease_owner', t.text)
      .addColumn('lease_until', t.timestamp)
      .addColumn('received_at', t.timestamp, (c) => c.notNull())
      .addColumn('processed_at', t.timestamp)
      .execute();
    await db.schema
      .createIndex('webhook_events_dedupe_idx')
      .on('webhook_events')
      .columns(['webhook_id', 'dedupe_key'])
      .unique()
      .execute();
    // The list: a webhook's events, newest first (ids are UUIDv7).
    await db.schema
      .createIndex('webhook_events_webhook_idx')
      .on('webhook_events')
      .columns(['webhook_id', 'id'])
      .execute();
    // The processor's queue: events waiting, by when they are due.
    await db.schema
      .createIndex('webhook_events_due_idx')
      .on('webhook_events')
      .columns(['status', 'next_attempt_at'])
      .execute();
    // Retention prunes by age.
    await db.schema
      .createIndex('webhook_events_received_idx')
      .on('webhook_events')
      .columns(['received_at'])
      .execute();
  },
};

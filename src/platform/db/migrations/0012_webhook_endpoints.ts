import type { SchemaMigration } from './index.js';

/**
 * Outbound webhooks (see modules/webhook-endpoints): the endpoints an org registers, the event
 * types it declares and publishes, and every message (an event for an endpoint) with its attempts.
 * A message row is the truth of a delivery; queues carry its id only.
 */
export const webhookEndpoints: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('url', t.text, (c) => c.notNull())
      // Patterns: exact types or `prefix.*`; empty: every type.
      .addColumn('event_types', t.json, (c) => c.notNull())
      .addColumn('enabled', t.bool, (c) => c.notNull())
      .addColumn('disabled_reason', t.text)
      // Sealed (SecretBox). During a rotation the previous secret signs beside the new one until it expires.
      .addColumn('secret', t.text, (c) => c.notNull())
      .addColumn('previous_secret', t.text)
      .addColumn('previous_secret_expires_at', t.timestamp)
      .addColumn('rate_limit_per_second', t.integer)
      // { max_retries, retry_delay_ms, backoff_factor, timeout_ms }, each within the server's bounds; null: defaults.
      .addColumn('retry_policy', t.json)
      // Deliveries in event order, one in flight.
      .addColumn('ordered', t.bool, (c) => c.notNull())
      // Since when every attempt has failed (null after a success): 5 days of it disables the endpoint.
      .addColumn('failing_since', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_endpoints_org_name_idx')
      .on('webhook_endpoints')
      .columns(['org_id', 'name'])
      .unique()
      .execute();

    await db.schema
      .createTable('org_event_types')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('description', t.text)
      // A JSON Schema the published payloads are validated against; null accepts any object.
      .addColumn('schema', t.json)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('org_event_types_org_name_idx')
      .on('org_event_types')
      .columns(['org_id', 'name'])
      .unique()
      .execute();

    // POST /events with an Idempotency-Key: the event it published, for 24 hours.
    await db.schema
      .createTable('published_event_keys')
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('key', t.text, (c) => c.notNull())
      .addColumn('event_id', t.id, (c) => c.notNull())
      .addColumn('request_hash', t.text, (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('published_event_keys_pk', ['org_id', 'key'])
      .execute();

    await db.schema
      .createTable('webhook_messages')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('org_id', t.id, (c) => c.notNull())
      .addColumn('endpoint_id', t.id, (c) =>
        c.notNull().references('webhook_endpoints.id').onDelete('cascade'),
      )
      // The outbox event it carries (its `webhook-id` is the message id, the same on every attempt).
      .addColumn('event_id', t.id, (c) => c.notNull())
      .addColumn('event_type', t.text, (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      // pending | retrying | succeeded | failed
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', t.timestamp)
      .addColumn('lease_until', t.timestamp)
      .addColumn('last_status_code', t.integer)
      .addColumn('last_error', t.text)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('delivered_at', t.timestamp)
      .execute();
    // One message per event and endpoint, however often the fan-out runs.
    await db.schema
      .createIndex('webhook_messages_endpoint_event_idx')
      .on('webhook_messages')
      .columns(['endpoint_id', 'event_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex('webhook_messages_due_idx')
      .on('webhook_messages')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('webhook_messages_created_idx')
      .on('webhook_messages')
      .columns(['created_at'])
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('message_id', t.id, (c) => c.notNull().references('webhook_messages.id').onDelete('cascade'))
      .addColumn('endpoint_id', t.id, (c) => c.notNull())
      .addColumn('attempt', t.integer, (c) => c.notNull())
      .addColumn('url', t.text, (c) => c.notNull())
      .addColumn('status_code', t.integer)
      .addColumn('duration_ms', t.integer, (c) => c.notNull())
      // The first 20 KB of the answer.
      .addColumn('response_body', t.text)
      .addColumn('error', t.text)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_attempts_message_idx')
      .on('webhook_attempts')
      .columns(['message_id', 'attempt'])
      .execute();
    // Per-endpoint stats over 24 hours.
    await db.schema
      .createIndex('webhook_attempts_endpoint_idx')
      .on('webhook_attempts')
      .columns(['endpoint_id', 'created_at'])
      .execute();
  },
};

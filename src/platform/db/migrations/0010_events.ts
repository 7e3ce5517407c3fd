import { sql } from 'kysely';
import type { SchemaMigration } from './index.js';

/**
 * The event outbox (see modules/events) and the cursors of its consumers.
 *
 * `seq` is the order consumers read in. On SQLite, AUTOINCREMENT keeps pruned numbers from being
 * handed out again. On PostgreSQL, sequence numbers are taken at insert but become visible at
 * commit, possibly out of order; `tx_id` (the writing transaction's id) lets a consumer read only
 * what no running transaction can still add to (see store.ts). SQLite has a single writer, so
 * there the column is a constant.
 */
export const events: SchemaMigration = {
  async up(db, t) {
    const pg = t.dialect === 'postgres';
    await db.schema
      .createTable('events')
      .addColumn('seq', pg ? sql`bigint generated always as identity` : 'integer', (c) =>
        pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('tx_id', t.bigint, (c) =>
        c.notNull().defaultTo(pg ? sql`(pg_current_xact_id()::text::bigint)` : 0),
      )
      .addColumn('id', t.id, (c) => c.notNull().unique())
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('type', t.text, (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('subject_type', t.text, (c) => c.notNull())
      .addColumn('subject_id', t.id, (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('occurred_at', t.timestamp, (c) => c.notNull())
      .execute();
    // The list: an org's events newest first, all or of one type.
    await db.schema.createIndex('events_org_id_idx').on('events').columns(['org_id', 'id']).execute();
    await db.schema
      .createIndex('events_org_type_id_idx')
      .on('events')
      .columns(['org_id', 'type', 'id'])
      .execute();
    // Consumers read in (tx_id, seq) order.
    await db.schema.createIndex('events_tx_seq_idx').on('events').columns(['tx_id', 'seq']).execute();

    await db.schema
      .createTable('event_consumers')
      .addColumn('name', t.text, (c) => c.primaryKey())
      // The last event handled: its (tx_id, seq).
      .addColumn('last_tx_id', t.bigint, (c) => c.notNull())
      .addColumn('last_seq', t.bigint, (c) => c.notNull())
      // One process reads for a consumer at a time, so that it handles events in order.
      .addColumn('lease_owner', t.text)
      .addColumn('lease_expires_at', t.timestamp)
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
  },
};

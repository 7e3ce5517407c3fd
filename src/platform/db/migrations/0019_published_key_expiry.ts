import type { SchemaMigration } from './index.js';

/** Idempotency-Keys by when they were recorded: the hourly expiry deletes those past 24 hours. */
export const publishedKeyExpiry: SchemaMigration = {
  async up(db) {
    await db.schema
      .createIndex('published_event_keys_created_idx')
      .on('published_event_keys')
      .column('created_at')
      .execute();
  },
};

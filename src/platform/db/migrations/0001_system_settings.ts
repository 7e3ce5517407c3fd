import type { SchemaMigration } from './index.js';

export const systemSettings: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('system_settings')
      .addColumn('key', t.text, (c) => c.primaryKey())
      .addColumn('value', t.json, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
  },
};

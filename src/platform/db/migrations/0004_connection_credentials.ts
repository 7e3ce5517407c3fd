import type { SchemaMigration } from './index.js';

/** The state of a connection's credential, apart from the connection's own status. */
export const connectionCredentials: SchemaMigration = {
  async up(db, t) {
    const columns = [
      ['credential_expires_at', t.timestamp],
      ['credential_validated_at', t.timestamp],
      ['credential_error', t.text],
    ] as const;
    await db.schema
      .alterTable('integration_connections')
      .addColumn('credential_status', t.text, (c) => c.notNull().defaultTo('none'))
      .execute();
    for (const [name, type] of columns) {
      await db.schema.alterTable('integration_connections').addColumn(name, type).execute();
    }
  },
};

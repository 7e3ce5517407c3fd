import type { SchemaMigration } from './index.js';

/**
 * User-scoped OAuth credentials: a user's own tokens for one of the org's connections (the
 * connection holds the OAuth client). The OAuth states learn which kind of credential they start.
 */
export const userCredentials: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('user_credentials')
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      // access_token, refresh_token, expires_at as one sealed JSON object, bound to org, connection
      // and user; null once disconnected.
      .addColumn('secrets', t.text)
      // active | expired | revoked | error
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('expires_at', t.timestamp)
      .addColumn('last_connected_at', t.timestamp)
      .addColumn('error', t.text)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('user_credentials_pk', ['connection_id', 'user_id'])
      .execute();
    // Deleting a user cascades through it.
    await db.schema
      .createIndex('user_credentials_user_id_idx')
      .on('user_credentials')
      .column('user_id')
      .execute();

    // 'connection' (the org's credential) or 'user' (the starting user's own).
    await db.schema
      .alterTable('oauth_states')
      .addColumn('scope', t.text, (c) => c.notNull().defaultTo('connection'))
      .execute();
    // The opportunistic clean-up of old states finds them by age.
    await db.schema
      .createIndex('oauth_states_created_at_idx')
      .on('oauth_states')
      .column('created_at')
      .execute();
  },
};

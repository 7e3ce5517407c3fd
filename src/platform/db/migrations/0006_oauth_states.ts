import type { SchemaMigration } from './index.js';

/** Pending OAuth authorization requests: one row per `state`, used once, then kept as spent. */
export const oauthStates: SchemaMigration = {
  async up(db, t) {
    await db.schema
      .createTable('oauth_states')
      .addColumn('id', t.id, (c) => c.primaryKey())
      // SHA-256 of the state sent to the provider; the state itself is never stored.
      .addColumn('state_hash', t.text, (c) => c.notNull().unique())
      .addColumn('org_id', t.id, (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('connection_id', t.id, (c) =>
        c.notNull().references('integration_connections.id').onDelete('cascade'),
      )
      .addColumn('user_id', t.id)
      .addColumn('actor_type', t.text, (c) => c.notNull())
      .addColumn('actor_id', t.text)
      .addColumn('actor_name', t.text)
      .addColumn('return_url', t.text, (c) => c.notNull())
      // The PKCE code_verifier, sealed with associated data naming this row.
      .addColumn('code_verifier', t.text, (c) => c.notNull())
      .addColumn('expires_at', t.timestamp, (c) => c.notNull())
      .addColumn('used_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .execute();
  },
};

import type { Insertable, NotNull, Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { OAuthStatesTable, UserCredentialsTable } from '../../platform/db/tables.js';

/** The only code that reads or writes `oauth_states` and `user_credentials`. */

export async function insertOAuthState(db: Db, row: Insertable<OAuthStatesTable>): Promise<void> {
  await db.insertInto('oauth_states').values(row).execute();
}

/** Deletes up to `limit` states started before `cutoff`, spent or not. */
export async function deleteOAuthStatesBefore(db: Db, cutoff: string, limit: number): Promise<void> {
  await db
    .deleteFrom('oauth_states')
    .where('id', 'in', (eb) =>
      eb.selectFrom('oauth_states').select('id').where('created_at', '<', cutoff).limit(limit),
    )
    .execute();
}

/** Marks the state used in the same statement that finds it, so only one callback wins. */
export function spendOAuthState(db: Db, stateHash: string, at: string) {
  return db
    .updateTable('oauth_states')
    .set({ used_at: at })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returningAll()
    .executeTakeFirst();
}

/** Whose credential, for which of the org's connections. */
export interface UserCredentialKey {
  orgId: string;
  connectionId: string;
  userId: string;
}

type CredentialState = Omit<Updateable<UserCredentialsTable>, 'connection_id' | 'user_id' | 'org_id'>;

/** Stores a user's credential, replacing any earlier one of that user for that connection. */
export async function upsertUserCredential(
  db: Db,
  key: UserCredentialKey,
  state: Omit<Insertable<UserCredentialsTable>, 'connection_id' | 'user_id' | 'org_id' | 'created_at'>,
  createdAt: string,
): Promise<void> {
  await db
    .insertInto('user_credentials')
    .values({
      connection_id: key.connectionId,
      user_id: key.userId,
      org_id: key.orgId,
      ...state,
      created_at: createdAt,
    })
    .onConflict((oc) => oc.columns(['connection_id', 'user_id']).doUpdateSet(state))
    .execute();
}

export function findUserCredential(db: Db, key: UserCredentialKey) {
  return db
    .selectFrom('user_credentials')
    .select(['secrets', 'status', 'expires_at', 'last_connected_at', 'error'])
    .where('connection_id', '=', key.connectionId)
    .where('user_id', '=', key.userId)
    .where('org_id', '=', key.orgId)
    .executeTakeFirst();
}

export async function updateUserCredential(
  db: Db,
  key: UserCredentialKey,
  set: CredentialState,
): Promise<void> {
  await db
    .updateTable('user_credentials')
    .set(set)
    .where('connection_id', '=', key.connectionId)
    .where('user_id', '=', key.userId)
    .where('org_id', '=', key.orgId)
    .execute();
}

/** A page of the users' credentials holding sealed tokens, in key order after `after` (key rotation). */
export function userCredentialsWithSecrets(
  db: Db,
  after: { connection_id: string; user_id: string } | undefined,
  limit: number,
) {
  let q = db
    .selectFrom('user_credentials')
    .select(['connection_id', 'user_id', 'org_id', 'secrets'])
    .where('secrets', 'is not', null)
    .$narrowType<{ secrets: NotNull }>()
    .orderBy('connection_id')
    .orderBy('user_id')
    .limit(limit);
  if (after !== undefined) {
    const { connection_id: connectionId, user_id: userId } = after;
    q = q.where((eb) =>
      eb.or([
        eb('connection_id', '>', connectionId),
        eb.and([eb('connection_id', '=', connectionId), eb('user_id', '>', userId)]),
      ]),
    );
  }
  return q.execute();
}

/** Replaces a user's credential's sealed tokens if they are still `from` (compare-and-set); whether it did. */
export async function replaceUserSecrets(
  db: Db,
  key: Pick<UserCredentialKey, 'connectionId' | 'userId'>,
  from: string,
  to: string,
): Promise<boolean> {
  const result = await db
    .updateTable('user_credentials')
    .set({ secrets: to })
    .where('connection_id', '=', key.connectionId)
    .where('user_id', '=', key.userId)
    .where('secrets', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

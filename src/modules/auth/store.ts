import type { Db } from '../../platform/db/database.js';
import type { RefreshTokensTable } from '../../platform/db/tables.js';
import type { AccessClaims } from './access-tokens.js';

export type RefreshTokenRow = Omit<RefreshTokensTable, 'token_hash'>;

export async function insertRefreshToken(db: Db, token: RefreshTokensTable): Promise<void> {
  await db.insertInto('refresh_tokens').values(token).execute();
}

export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return db
    .selectFrom('refresh_tokens')
    .select([
      'id',
      'user_id',
      'org_id',
      'family_id',
      'expires_at',
      'revoked_at',
      'revoked_reason',
      'created_at',
    ])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Revokes one live token; false when it was no longer live (a concurrent rotation won). */
export async function revokeRefreshToken(db: Db, id: string, reason: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function revokeFamily(db: Db, familyId: string, reason: string, at: string): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes the live tokens of a user, in one org when given. */
export async function revokeUserTokens(
  db: Db,
  scope: { userId: string; orgId?: string },
  reason: string,
  at: string,
): Promise<void> {
  let q = db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('user_id', '=', scope.userId)
    .where('revoked_at', 'is', null);
  if (scope.orgId !== undefined) q = q.where('org_id', '=', scope.orgId);
  await q.execute();
}

export async function revokeTokens(db: Db, ids: string[], reason: string, at: string): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('id', 'in', ids)
    .execute();
}

/** The ids of a user's unexpired, unrevoked tokens, newest first. */
export async function liveTokenIds(db: Db, userId: string, at: string): Promise<string[]> {
  const rows = await db
    .selectFrom('refresh_tokens')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The user of a session with a live token, and their role in its org as it is now: read on every
 * request whose principal is not cached, hence one query. Undefined when no token of the session is
 * live or the user is no longer a member.
 */
export async function findLiveSession(
  db: Db,
  claims: AccessClaims,
): Promise<{ name: string; is_super_admin: boolean; is_active: boolean; role: string } | undefined> {
  return db
    .selectFrom('refresh_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 't.org_id').onRef('m.user_id', '=', 't.user_id'),
    )
    .select(['u.name', 'u.is_super_admin', 'u.is_active', 'm.role'])
    .where('t.family_id', '=', claims.sessionId)
    .where('t.user_id', '=', claims.userId)
    .where('t.org_id', '=', claims.orgId)
    .where('t.revoked_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
}

import type { Db } from '../../platform/db/database.js';
import type { InvitationsTable } from '../../platform/db/tables.js';

export type InvitationRow = InvitationsTable;

export async function insertInvitation(db: Db, invitation: InvitationRow): Promise<void> {
  await db.insertInto('invitations').values(invitation).execute();
}

/** The invitation a token opens, while it is neither accepted nor expired. */
export async function findOpenInvitation(
  db: Db,
  tokenHash: string,
  at: string,
): Promise<InvitationRow | undefined> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
}

/** Marks an invitation accepted; false when it already was (only one acceptance can win). */
export async function claimInvitation(db: Db, id: string, at: string): Promise<boolean> {
  const claimed = await db
    .updateTable('invitations')
    .set({ accepted_at: at })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** An org's invitations neither accepted nor expired, newest first. */
export function listOpenInvitations(db: Db, orgId: string, at: string): Promise<InvitationRow[]> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', at)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Deletes one of the org's open invitations, so its token opens nothing; false when there was none. */
export async function deleteOpenInvitation(db: Db, orgId: string, id: string, at: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('invitations')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

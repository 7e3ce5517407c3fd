import type { Db } from '../../platform/db/database.js';
import type { MembershipsTable } from '../../platform/db/tables.js';

export async function findMemberRole(db: Db, orgId: string, userId: string): Promise<string | undefined> {
  const member = await db
    .selectFrom('memberships')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return member?.role;
}

/** The org a user signs in to by default: the first they joined. */
export async function firstOrgOf(db: Db, userId: string): Promise<string | undefined> {
  const member = await db
    .selectFrom('memberships')
    .select('org_id')
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('org_id')
    .executeTakeFirst();
  return member?.org_id;
}

export async function tenantAdminIds(db: Db, orgId: string): Promise<string[]> {
  const admins = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'tenant_admin')
    .execute();
  return admins.map((a) => a.user_id);
}

export async function insertMembership(db: Db, membership: MembershipsTable): Promise<void> {
  await db.insertInto('memberships').values(membership).execute();
}

export async function updateMemberRole(
  db: Db,
  orgId: string,
  userId: string,
  role: string,
  at: string,
): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ role, updated_at: at })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
}

export async function deleteMembership(db: Db, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

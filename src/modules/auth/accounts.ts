import { hashPassword, verifyPassword } from '../../platform/crypto/passwords.js';
import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import { createOrgWithOwner, type OrgRow } from '../orgs/service.js';
import type { Actor } from './principal.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  is_super_admin: boolean;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** Inserts a user inside the caller's transaction; a taken email is 409 EMAIL_TAKEN. */
export async function insertUser(
  tx: Db,
  input: { email: string; name: string; password: string; superAdmin?: boolean },
  now: Date,
): Promise<UserRow> {
  const email = normaliseEmail(input.email);
  const existing = await tx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (existing) throw new AppError('EMAIL_TAKEN');
  const user = { id: newId(), email, name: input.name, is_super_admin: input.superAdmin ?? false };
  await tx
    .insertInto('users')
    .values({
      ...user,
      password_hash: await hashPassword(input.password),
      is_active: true,
      last_login_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .execute();
  return user;
}

/** A new user and a new org they administer, in one transaction. */
export async function registerAccount(
  db: Db,
  input: { email: string; name: string; password: string; orgName: string; superAdmin?: boolean },
  actor: Omit<Actor, 'type' | 'id' | 'name'>,
  now: Date,
): Promise<{ user: UserRow; org: OrgRow }> {
  return uniqueOr(
    () => new AppError('EMAIL_TAKEN'),
    () =>
      db.transaction().execute(async (tx) => {
        const user = await insertUser(tx, input, now);
        const userActor: Actor = { ...actor, type: 'user', id: user.id, name: user.name };
        const org = await createOrgWithOwner(tx, { name: input.orgName, ownerId: user.id }, userActor, now);
        await recordAudit(
          tx,
          userActor,
          { orgId: org.id, action: 'user.registered', targetType: 'user', targetId: user.id },
          now,
        );
        return { user, org };
      }),
  );
}

/**
 * The user behind an email and password, or INVALID_CREDENTIALS; an unknown email, a wrong password
 * and a deactivated account read (and take) the same.
 */
export async function checkCredentials(db: Db, email: string, password: string): Promise<UserRow> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'is_super_admin', 'is_active', 'password_hash'])
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst();
  const ok = await verifyPassword(row?.password_hash, password);
  if (!row || !ok || !row.is_active) throw new AppError('INVALID_CREDENTIALS');
  return { id: row.id, email: row.email, name: row.name, is_super_admin: row.is_super_admin };
}

import { hashPassword, verifyPassword } from '../../platform/crypto/passwords.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery, SortOrder } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import type { PrincipalCache } from '../auth/principal-cache.js';
import type { Sessions } from '../auth/sessions.js';
import {
  findAccount,
  findAccountByEmail,
  findOrgUser,
  insertUser,
  listOrgUsers,
  type OrgUserRow,
  type UserChanges,
  type UserFilter,
  type UserSort,
  updateUser,
} from './store.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  is_super_admin: boolean;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** Creates a user inside the caller's transaction; a taken email is 409 EMAIL_TAKEN. */
export async function createUser(
  tx: Db,
  input: { email: string; name: string; password: string; superAdmin?: boolean },
  now: Date,
): Promise<UserRow> {
  const email = normaliseEmail(input.email);
  if (await findAccountByEmail(tx, email)) throw new AppError('EMAIL_TAKEN');
  const user = { id: newId(), email, name: input.name, is_super_admin: input.superAdmin ?? false };
  await insertUser(tx, {
    ...user,
    password_hash: await hashPassword(input.password),
    is_active: true,
    last_login_at: null,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  });
  return user;
}

/**
 * The user behind an email and password, or INVALID_CREDENTIALS; an unknown email, a wrong password
 * and a deactivated account read (and take) the same.
 */
export async function checkCredentials(db: Db, email: string, password: string): Promise<UserRow> {
  const row = await findAccountByEmail(db, normaliseEmail(email));
  const ok = await verifyPassword(row?.password_hash, password);
  if (!row || !ok || !row.is_active) throw new AppError('INVALID_CREDENTIALS');
  return { id: row.id, email: row.email, name: row.name, is_super_admin: row.is_super_admin };
}

export interface ProfileChanges {
  name?: string;
  /** A new password, allowed only with the current one. */
  password?: { current: string; next: string };
}

/**
 * The people of an org and their accounts. Changes to what an account may do (deactivation, a new
 * name that audit entries carry) tell the PrincipalCache once committed.
 */
export class UserService {
  constructor(
    private readonly db: Db,
    private readonly sessions: Sessions,
    private readonly principals: PrincipalCache,
  ) {}

  list(
    { orgId }: Caller,
    filter: UserFilter,
    page: PageQuery & { sort: UserSort; order: SortOrder },
  ): Promise<{ rows: OrgUserRow[]; total: number }> {
    return listOrgUsers(this.db, orgId, filter, page);
  }

  async get({ orgId }: Caller, userId: string): Promise<OrgUserRow> {
    const user = await findOrgUser(this.db, orgId, userId);
    if (!user) throw new AppError('USER_NOT_FOUND');
    return user;
  }

  /** The caller's own name or password (`userId` is theirs), as the caller sees themself in their org. */
  async updateProfile(
    caller: Caller,
    userId: string,
    { name, password }: ProfileChanges,
  ): Promise<OrgUserRow> {
    const { orgId, actor, now } = caller;
    const changes: UserChanges = {};
    if (name !== undefined) changes.name = name;
    if (password !== undefined) {
      const account = await findAccount(this.db, userId);
      if (!(await verifyPassword(account?.password_hash, password.current)))
        throw new AppError('INVALID_CREDENTIALS', 'Current password is wrong');
      changes.password_hash = await hashPassword(password.next);
    }
    await this.db.transaction().execute(async (tx) => {
      await updateUser(tx, userId, { ...changes, updated_at: now.toISOString() });
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'user.updated',
          targetType: 'user',
          targetId: userId,
          changedFields: Object.keys(changes).map((k) => (k === 'password_hash' ? 'password' : k)),
        },
        now,
      );
    });
    // The caller's name is part of the cached principal (audit entries carry it).
    if (name !== undefined) await this.principals.invalidate();
    return this.get(caller, userId);
  }

  /**
   * Deactivates or reactivates an account, in every org. Deactivation ends the user's sessions (a
   * reactivated user logs in again), and either way the PrincipalCache is told once committed, so
   * the user's access tokens and API keys are refused or allowed from the next request on.
   */
  async setActive(
    { actor, now }: Caller,
    userId: string,
    active: boolean,
  ): Promise<{ id: string; is_active: boolean; updated_at: string }> {
    const updatedAt = now.toISOString();
    await this.db.transaction().execute(async (tx) => {
      if (!(await updateUser(tx, userId, { is_active: active, updated_at: updatedAt })))
        throw new AppError('USER_NOT_FOUND');
      if (!active) await this.sessions.endAll(tx, { userId }, 'deactivated');
      await recordAudit(
        tx,
        actor,
        {
          orgId: null,
          action: active ? 'user.reactivated' : 'user.deactivated',
          targetType: 'user',
          targetId: userId,
          changedFields: ['is_active'],
        },
        now,
      );
    });
    await this.principals.invalidate();
    return { id: userId, is_active: active, updated_at: updatedAt };
  }
}

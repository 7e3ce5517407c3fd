import type { Db } from '../../platform/db/database.js';
import { contains } from '../../platform/db/search.js';
import type { UsersTable } from '../../platform/db/tables.js';
import { type PageQuery, pageWindow, type SortOrder } from '../../platform/http/envelope.js';

export const USER_SORTS = ['name', 'email', 'created_at'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface OrgUserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  is_active: boolean;
  last_login_at: string | null;
  created_at: string;
  joined_at: string;
}

export interface UserFilter {
  search?: string;
  role?: string;
}

function orgUsers(db: Db, orgId: string, filter: UserFilter) {
  let q = db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .where('m.org_id', '=', orgId);
  if (filter.role) q = q.where('m.role', '=', filter.role);
  if (filter.search) {
    const search = filter.search;
    q = q.where((eb) => eb.or([contains('u.name', search), contains('u.email', search)]));
  }
  return q;
}

const columns = [
  'u.id',
  'u.email',
  'u.name',
  'm.role',
  'u.is_active',
  'u.last_login_at',
  'u.created_at',
  'm.created_at as joined_at',
] as const;

export async function listOrgUsers(
  db: Db,
  orgId: string,
  filter: UserFilter,
  page: PageQuery & { sort: UserSort; order: SortOrder },
): Promise<{ rows: OrgUserRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    orgUsers(db, orgId, filter)
      .select(columns)
      .orderBy(`u.${page.sort}`, page.order)
      .orderBy('u.id', page.order)
      .limit(limit)
      .offset(offset)
      .execute(),
    orgUsers(db, orgId, filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.total };
}

export async function findOrgUser(db: Db, orgId: string, userId: string): Promise<OrgUserRow | undefined> {
  return orgUsers(db, orgId, {}).select(columns).where('u.id', '=', userId).executeTakeFirst();
}

/** An account as signing in needs it: with its password hash, which is never shown. */
export interface AccountRow {
  id: string;
  email: string;
  name: string;
  is_super_admin: boolean;
  is_active: boolean;
  password_hash: string;
}

const accountColumns = ['id', 'email', 'name', 'is_super_admin', 'is_active', 'password_hash'] as const;

export async function findAccountByEmail(db: Db, email: string): Promise<AccountRow | undefined> {
  return db.selectFrom('users').select(accountColumns).where('email', '=', email).executeTakeFirst();
}

export async function findAccount(db: Db, userId: string): Promise<AccountRow | undefined> {
  return db.selectFrom('users').select(accountColumns).where('id', '=', userId).executeTakeFirst();
}

export async function hasAnyUser(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function insertUser(db: Db, user: UsersTable): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export type UserChanges = Partial<Omit<UsersTable, 'id' | 'email' | 'created_at'>>;

/** False when there is no such user. */
export async function updateUser(db: Db, userId: string, changes: UserChanges): Promise<boolean> {
  const result = await db.updateTable('users').set(changes).where('id', '=', userId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

import type { Insertable, Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { OrgsTable } from '../../platform/db/tables.js';
import { type PageQuery, pageWindow } from '../../platform/http/envelope.js';

export interface OrgRow {
  id: string;
  name: string;
  slug: string;
  session_timeout_mins: number;
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** An org as a list shows it to a viewer: with the viewer's role in it (null when not a member). */
export type ViewedOrgRow = OrgRow & { role: string | null };

export async function findOrg(db: Db, orgId: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

/** The slugs taken among `base` and `base-…`. */
export async function slugsLike(db: Db, base: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('orgs')
    .select('slug')
    .where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
    .execute();
  return new Set(rows.map((r) => r.slug));
}

export async function slugTaken(db: Db, slug: string): Promise<boolean> {
  return (await db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
}

export async function insertOrg(db: Db, org: Insertable<OrgsTable>): Promise<void> {
  await db.insertInto('orgs').values(org).execute();
}

export async function updateOrg(
  db: Db,
  orgId: string,
  changes: Pick<Updateable<OrgsTable>, 'name' | 'session_timeout_mins' | 'settings' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('orgs').set(changes).where('id', '=', orgId).execute();
}

/**
 * The orgs a list shows, each with the viewer's role in it: one org (`orgId`), the orgs the viewer
 * is a member of (`membersOnly`), or all.
 */
export interface OrgListFilter {
  viewerId: string;
  orgId?: string;
  membersOnly?: boolean;
}

export async function listOrgs(
  db: Db,
  filter: OrgListFilter,
  page: PageQuery,
): Promise<{ rows: ViewedOrgRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  let q = db
    .selectFrom('orgs as o')
    .leftJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 'o.id').on('m.user_id', '=', filter.viewerId),
    );
  if (filter.orgId !== undefined) q = q.where('o.id', '=', filter.orgId);
  if (filter.membersOnly) q = q.where('m.user_id', 'is not', null);
  const [rows, count] = await Promise.all([
    q.selectAll('o').select('m.role').orderBy('o.name').orderBy('o.id').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.total };
}

/** Every org a user is a member of, with their role in it, by name. */
export async function orgsOfMember(
  db: Db,
  userId: string,
): Promise<{ id: string; name: string; slug: string; role: string }[]> {
  return db
    .selectFrom('memberships as m')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['o.id', 'o.name', 'o.slug', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('o.name')
    .execute();
}

import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { OrgRole } from '../auth/permissions.js';
import type { Actor } from '../auth/principal.js';
import type { PrincipalCache } from '../auth/principal-cache.js';
import type { Sessions } from '../auth/sessions.js';
import { recordEvent } from '../events/outbox.js';

export const DEFAULT_SESSION_TIMEOUT_MINS = 30;

export interface OrgRow {
  id: string;
  name: string;
  slug: string;
  session_timeout_mins: number;
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return slug || 'org';
}

async function freeSlug(db: Db, base: string): Promise<string> {
  const taken = new Set(
    (
      await db
        .selectFrom('orgs')
        .select('slug')
        .where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
        .execute()
    ).map((r) => r.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * Creates an org with its first tenant_admin, inside the caller's transaction. A slug the caller
 * chose must be free (409 SLUG_TAKEN); one derived from the name gets the next free `-N` suffix.
 */
export async function createOrgWithOwner(
  tx: Db,
  input: { name: string; slug?: string; ownerId: string },
  actor: Actor,
  now: Date,
): Promise<OrgRow> {
  const slug = input.slug ?? (await freeSlug(tx, slugify(input.name)));
  if (input.slug !== undefined) {
    const clash = await tx.selectFrom('orgs').select('id').where('slug', '=', input.slug).executeTakeFirst();
    if (clash) throw new AppError('SLUG_TAKEN', undefined, { slug: input.slug });
  }
  const org: OrgRow = {
    id: newId(),
    name: input.name,
    slug,
    session_timeout_mins: DEFAULT_SESSION_TIMEOUT_MINS,
    settings: {},
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  await tx.insertInto('orgs').values(org).execute();
  await tx
    .insertInto('memberships')
    .values({
      org_id: org.id,
      user_id: input.ownerId,
      role: 'tenant_admin',
      created_at: org.created_at,
      updated_at: org.created_at,
    })
    .execute();
  await recordAudit(
    tx,
    actor,
    { orgId: org.id, action: 'org.created', targetType: 'org', targetId: org.id },
    now,
  );
  await recordEvent(
    tx,
    {
      type: 'member.added',
      orgId: org.id,
      subjectId: input.ownerId,
      payload: { user_id: input.ownerId, role: 'tenant_admin' },
    },
    now,
  );
  return org;
}

async function memberOf(tx: Db, orgId: string, userId: string) {
  const member = await tx
    .selectFrom('memberships')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!member) throw new AppError('MEMBER_NOT_FOUND');
  return member;
}

/** Refuses a change that would leave the org without a tenant_admin. */
async function keepAnAdmin(tx: Db, orgId: string, userId: string) {
  const admins = await tx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'tenant_admin')
    .execute();
  if (admins.length === 1 && admins[0]!.user_id === userId) throw new AppError('LAST_ADMIN');
}

/**
 * What may change or end a membership. Each change tells the PrincipalCache once committed, so the
 * member's sessions and API keys act with what the member may do now from the next request on.
 */
export interface MembershipDeps {
  db: Db;
  sessions: Sessions;
  principals: PrincipalCache;
}

export async function changeMemberRole(
  { db, principals }: MembershipDeps,
  orgId: string,
  userId: string,
  role: OrgRole,
  actor: Actor,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const member = await memberOf(tx, orgId, userId);
    if (member.role === 'tenant_admin' && role !== 'tenant_admin') await keepAnAdmin(tx, orgId, userId);
    await tx
      .updateTable('memberships')
      .set({ role, updated_at: now.toISOString() })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
    await recordAudit(
      tx,
      actor,
      { orgId, action: 'member.role_changed', targetType: 'user', targetId: userId, changedFields: ['role'] },
      now,
    );
    if (member.role !== role) {
      await recordEvent(
        tx,
        {
          type: 'member.role_changed',
          orgId,
          subjectId: userId,
          payload: { user_id: userId, from: member.role, to: role },
        },
        now,
      );
    }
  });
  await principals.invalidate();
}

/** Removes a member from the org, with their team places and their sessions in it. */
export async function removeMember(
  { db, sessions, principals }: MembershipDeps,
  orgId: string,
  userId: string,
  actor: Actor,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const member = await memberOf(tx, orgId, userId);
    if (member.role === 'tenant_admin') await keepAnAdmin(tx, orgId, userId);
    await tx.deleteFrom('team_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
    await tx.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
    await sessions.endAll(tx, { userId, orgId }, 'membership_removed');
    await recordAudit(
      tx,
      actor,
      { orgId, action: 'member.removed', targetType: 'user', targetId: userId },
      now,
    );
    await recordEvent(
      tx,
      { type: 'member.removed', orgId, subjectId: userId, payload: { user_id: userId, role: member.role } },
      now,
    );
  });
  await principals.invalidate();
}

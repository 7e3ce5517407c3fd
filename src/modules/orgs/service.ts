import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Actor } from '../auth/principal.js';

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
  return org;
}

import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Actor, Caller, Principal } from '../auth/principal.js';
import { addMember } from '../members/service.js';
import {
  findOrg,
  insertOrg,
  listOrgs,
  type OrgRow,
  slugsLike,
  slugTaken,
  updateOrg,
  type ViewedOrgRow,
} from './store.js';

export const DEFAULT_SESSION_TIMEOUT_MINS = 30;

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
  const taken = await slugsLike(db, base);
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
  if (input.slug !== undefined && (await slugTaken(tx, input.slug))) {
    throw new AppError('SLUG_TAKEN', undefined, { slug: input.slug });
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
  await insertOrg(tx, org);
  await recordAudit(
    tx,
    actor,
    { orgId: org.id, action: 'org.created', targetType: 'org', targetId: org.id },
    now,
  );
  await addMember(tx, { orgId: org.id, userId: input.ownerId, role: 'tenant_admin' }, now);
  return org;
}

export interface OrgChanges {
  name?: string;
  session_timeout_mins?: number;
  settings?: Record<string, unknown>;
}

/** Organisations themselves: their names, slugs and settings. */
export class OrgService {
  constructor(private readonly db: Db) {}

  /** The orgs the caller may see: an API key its own, a super admin all, a user those they belong to. */
  list(principal: Principal, page: PageQuery): Promise<{ rows: ViewedOrgRow[]; total: number }> {
    const filter =
      principal.kind === 'api_key'
        ? { viewerId: '', orgId: principal.orgId }
        : { viewerId: principal.id, membersOnly: !principal.isSuperAdmin };
    return listOrgs(this.db, filter, page);
  }

  /** A new org, with the user creating it as its tenant_admin. */
  create({ actor, now }: Caller, ownerId: string, input: { name: string; slug?: string }): Promise<OrgRow> {
    return uniqueOr(
      () => new AppError('SLUG_TAKEN'),
      () => this.db.transaction().execute((tx) => createOrgWithOwner(tx, { ...input, ownerId }, actor, now)),
    );
  }

  async get({ orgId }: Caller): Promise<OrgRow> {
    const org = await findOrg(this.db, orgId);
    if (!org) throw new AppError('ORG_NOT_FOUND');
    return org;
  }

  async update(caller: Caller, changes: OrgChanges): Promise<OrgRow> {
    const { orgId, actor, now } = caller;
    await this.db.transaction().execute(async (tx) => {
      await updateOrg(tx, orgId, { ...changes, updated_at: now.toISOString() });
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'org.updated',
          targetType: 'org',
          targetId: orgId,
          changedFields: Object.keys(changes),
        },
        now,
      );
    });
    return this.get(caller);
  }
}

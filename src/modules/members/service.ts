import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery, SortOrder } from '../../platform/http/envelope.js';
import { recordAudit } from '../audit/service.js';
import type { OrgRole } from '../auth/permissions.js';
import type { Caller } from '../auth/principal.js';
import type { PrincipalCache } from '../auth/principal-cache.js';
import type { Sessions } from '../auth/sessions.js';
import { recordEvent } from '../events/outbox.js';
import { removeFromOrgTeams } from '../teams/store.js';
import { listOrgUsers, type OrgUserRow, type UserSort } from '../users/store.js';
import {
  deleteMembership,
  findMemberRole,
  insertMembership,
  tenantAdminIds,
  updateMemberRole,
} from './store.js';

/** Makes a user a member of an org inside the caller's transaction, with its `member.added` event. */
export async function addMember(
  tx: Db,
  member: { orgId: string; userId: string; role: string },
  now: Date,
): Promise<void> {
  await insertMembership(tx, {
    org_id: member.orgId,
    user_id: member.userId,
    role: member.role,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  });
  await recordEvent(
    tx,
    {
      type: 'member.added',
      orgId: member.orgId,
      subjectId: member.userId,
      payload: { user_id: member.userId, role: member.role },
    },
    now,
  );
}

async function roleOf(tx: Db, orgId: string, userId: string): Promise<string> {
  const role = await findMemberRole(tx, orgId, userId);
  if (role === undefined) throw new AppError('MEMBER_NOT_FOUND');
  return role;
}

/** Refuses a change that would leave the org without a tenant_admin. */
async function keepAnAdmin(tx: Db, orgId: string, userId: string): Promise<void> {
  const admins = await tenantAdminIds(tx, orgId);
  if (admins.length === 1 && admins[0] === userId) throw new AppError('LAST_ADMIN');
}

/**
 * The members of an org and their roles. Each change tells the PrincipalCache once committed, so
 * the member's sessions and API keys act with what the member may do now from the next request on.
 */
export class MemberService {
  constructor(
    private readonly db: Db,
    private readonly sessions: Sessions,
    private readonly principals: PrincipalCache,
  ) {}

  list(
    { orgId }: Caller,
    filter: { role?: string },
    page: PageQuery & { sort: UserSort; order: SortOrder },
  ): Promise<{ rows: OrgUserRow[]; total: number }> {
    return listOrgUsers(this.db, orgId, filter, page);
  }

  async changeRole({ orgId, actor, now }: Caller, userId: string, role: OrgRole): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const from = await roleOf(tx, orgId, userId);
      if (from === 'tenant_admin' && role !== 'tenant_admin') await keepAnAdmin(tx, orgId, userId);
      await updateMemberRole(tx, orgId, userId, role, now.toISOString());
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'member.role_changed',
          targetType: 'user',
          targetId: userId,
          changedFields: ['role'],
        },
        now,
      );
      if (from !== role) {
        await recordEvent(
          tx,
          {
            type: 'member.role_changed',
            orgId,
            subjectId: userId,
            payload: { user_id: userId, from, to: role },
          },
          now,
        );
      }
    });
    await this.principals.invalidate();
  }

  /** Removes a member from the org, with their team places and their sessions in it. */
  async remove({ orgId, actor, now }: Caller, userId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const role = await roleOf(tx, orgId, userId);
      if (role === 'tenant_admin') await keepAnAdmin(tx, orgId, userId);
      await removeFromOrgTeams(tx, orgId, userId);
      await deleteMembership(tx, orgId, userId);
      await this.sessions.endAll(tx, { userId, orgId }, 'membership_removed');
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'member.removed', targetType: 'user', targetId: userId },
        now,
      );
      await recordEvent(
        tx,
        { type: 'member.removed', orgId, subjectId: userId, payload: { user_id: userId, role } },
        now,
      );
    });
    await this.principals.invalidate();
  }
}

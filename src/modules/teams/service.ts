import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery, SortOrder } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import {
  deleteTeamMember,
  deleteTeamRow,
  findOrgMember,
  findTeam,
  insertTeam,
  insertTeamMember,
  listTeamMembers,
  listTeams,
  type TeamFilter,
  type TeamMemberRow,
  type TeamRow,
  type TeamSort,
  teamExists,
  teamMemberAddedAt,
  updateTeamRow,
} from './store.js';

export interface TeamChanges {
  name?: string;
  description?: string | null;
}

/** The (org_id, name) unique constraint decides whether a name is free. */
function withUniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  return uniqueOr(() => new AppError('NAME_TAKEN', `A team named "${name}" already exists`, { name }), write);
}

async function requireTeam(db: Db, orgId: string, teamId: string): Promise<void> {
  if (!(await teamExists(db, orgId, teamId))) throw new AppError('TEAM_NOT_FOUND');
}

/** Named groups of an org's users. */
export class TeamService {
  constructor(private readonly db: Db) {}

  list(
    { orgId }: Caller,
    filter: TeamFilter,
    page: PageQuery & { sort: TeamSort; order: SortOrder },
  ): Promise<{ rows: TeamRow[]; total: number }> {
    return listTeams(this.db, orgId, filter, page);
  }

  /** A team with its members. */
  async get({ orgId }: Caller, teamId: string): Promise<TeamRow & { members: TeamMemberRow[] }> {
    const [team, members] = await Promise.all([
      findTeam(this.db, orgId, teamId),
      listTeamMembers(this.db, orgId, teamId),
    ]);
    if (!team) throw new AppError('TEAM_NOT_FOUND');
    // The count from the same rows as the list, so the two agree even under concurrent changes.
    return { ...team, member_count: members.length, members };
  }

  async create(
    { orgId, actor, now }: Caller,
    input: { name: string; description?: string | null },
  ): Promise<TeamRow> {
    const at = now.toISOString();
    const team = {
      id: newId(),
      name: input.name,
      description: input.description ?? null,
      created_at: at,
      updated_at: at,
    };
    await withUniqueName(input.name, () =>
      this.db.transaction().execute(async (tx) => {
        await insertTeam(tx, { ...team, org_id: orgId });
        await recordAudit(
          tx,
          actor,
          { orgId, action: 'team.created', targetType: 'team', targetId: team.id },
          now,
        );
      }),
    );
    return { ...team, member_count: 0 };
  }

  /** Applies the fields that differ; a request that changes nothing writes nothing and is not audited. */
  async update({ orgId, actor, now }: Caller, teamId: string, changes: TeamChanges): Promise<TeamRow> {
    return withUniqueName(changes.name, () =>
      this.db.transaction().execute(async (tx) => {
        const team = await findTeam(tx, orgId, teamId);
        if (!team) throw new AppError('TEAM_NOT_FOUND');
        const changed = (['name', 'description'] as const).filter(
          (field) => changes[field] !== undefined && changes[field] !== team[field],
        );
        if (changed.length === 0) return team;
        const updated: TeamRow = {
          ...team,
          name: changes.name ?? team.name,
          description: changes.description === undefined ? team.description : changes.description,
          updated_at: now.toISOString(),
        };
        await updateTeamRow(tx, orgId, teamId, {
          name: updated.name,
          description: updated.description,
          updated_at: updated.updated_at,
        });
        await recordAudit(
          tx,
          actor,
          { orgId, action: 'team.updated', targetType: 'team', targetId: teamId, changedFields: changed },
          now,
        );
        return updated;
      }),
    );
  }

  async delete({ orgId, actor, now }: Caller, teamId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (!(await deleteTeamRow(tx, orgId, teamId))) throw new AppError('TEAM_NOT_FOUND');
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'team.deleted', targetType: 'team', targetId: teamId },
        now,
      );
    });
  }

  /** Idempotent: adding a current member changes nothing and reports `added: false`. */
  async addMember(
    { orgId, actor, now }: Caller,
    teamId: string,
    userId: string,
  ): Promise<{ member: TeamMemberRow; added: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      await requireTeam(tx, orgId, teamId);
      const user = await findOrgMember(tx, orgId, userId);
      if (!user) throw new AppError('USER_NOT_FOUND');
      const addedAt = await insertTeamMember(tx, {
        team_id: teamId,
        user_id: userId,
        org_id: orgId,
        created_at: now.toISOString(),
      });
      if (addedAt === undefined) {
        return { member: { ...user, added_at: await teamMemberAddedAt(tx, teamId, userId) }, added: false };
      }
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'team.member_added',
          targetType: 'team',
          targetId: teamId,
          changedFields: ['members'],
        },
        now,
      );
      return { member: { ...user, added_at: addedAt }, added: true };
    });
  }

  async removeMember({ orgId, actor, now }: Caller, teamId: string, userId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await requireTeam(tx, orgId, teamId);
      if (!(await deleteTeamMember(tx, orgId, teamId, userId))) {
        throw new AppError('MEMBER_NOT_FOUND', 'The user is not a member of this team');
      }
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'team.member_removed',
          targetType: 'team',
          targetId: teamId,
          changedFields: ['members'],
        },
        now,
      );
    });
  }
}

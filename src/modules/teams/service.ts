import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Actor } from '../auth/principal.js';
import { findOrgMember, findTeam, type TeamMemberRow, type TeamRow } from './store.js';

export interface TeamChanges {
  name?: string;
  description?: string | null;
}

/** The (org_id, name) unique constraint decides whether a name is free. */
function withUniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  return uniqueOr(() => new AppError('NAME_TAKEN', `A team named "${name}" already exists`, { name }), write);
}

async function requireTeam(db: Db, orgId: string, teamId: string): Promise<void> {
  const team = await db
    .selectFrom('teams')
    .select('id')
    .where('id', '=', teamId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!team) throw new AppError('TEAM_NOT_FOUND');
}

export async function createTeam(
  db: Db,
  orgId: string,
  input: { name: string; description?: string | null },
  actor: Actor,
  now: Date,
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
    db.transaction().execute(async (tx) => {
      await tx
        .insertInto('teams')
        .values({ ...team, org_id: orgId })
        .execute();
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
export async function updateTeam(
  db: Db,
  orgId: string,
  teamId: string,
  changes: TeamChanges,
  actor: Actor,
  now: Date,
): Promise<TeamRow> {
  return withUniqueName(changes.name, () =>
    db.transaction().execute(async (tx) => {
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
      await tx
        .updateTable('teams')
        .set({ name: updated.name, description: updated.description, updated_at: updated.updated_at })
        .where('id', '=', teamId)
        .where('org_id', '=', orgId)
        .execute();
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

export async function deleteTeam(
  db: Db,
  orgId: string,
  teamId: string,
  actor: Actor,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // team_members rows go with the team (ON DELETE CASCADE).
    const result = await tx
      .deleteFrom('teams')
      .where('id', '=', teamId)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new AppError('TEAM_NOT_FOUND');
    await recordAudit(
      tx,
      actor,
      { orgId, action: 'team.deleted', targetType: 'team', targetId: teamId },
      now,
    );
  });
}

/** Idempotent: adding a current member changes nothing and reports `added: false`. */
export async function addTeamMember(
  db: Db,
  orgId: string,
  teamId: string,
  userId: string,
  actor: Actor,
  now: Date,
): Promise<{ member: TeamMemberRow; added: boolean }> {
  return db.transaction().execute(async (tx) => {
    await requireTeam(tx, orgId, teamId);
    const user = await findOrgMember(tx, orgId, userId);
    if (!user) throw new AppError('USER_NOT_FOUND');
    // ON CONFLICT rather than a lookup first, so a concurrent add of the same user is not a 500.
    const inserted = await tx
      .insertInto('team_members')
      .values({ team_id: teamId, user_id: userId, org_id: orgId, created_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
      .returning('created_at')
      .executeTakeFirst();
    if (inserted) {
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
      return { member: { ...user, added_at: inserted.created_at }, added: true };
    }
    const existing = await tx
      .selectFrom('team_members')
      .select('created_at')
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return { member: { ...user, added_at: existing.created_at }, added: false };
  });
}

export async function removeTeamMember(
  db: Db,
  orgId: string,
  teamId: string,
  userId: string,
  actor: Actor,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await requireTeam(tx, orgId, teamId);
    const result = await tx
      .deleteFrom('team_members')
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) {
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

import type { ExpressionBuilder } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { contains } from '../../platform/db/search.js';
import type { Tables, TeamMembersTable, TeamsTable } from '../../platform/db/tables.js';
import { type PageQuery, pageWindow, type SortOrder } from '../../platform/http/envelope.js';

export const TEAM_SORTS = ['name', 'created_at'] as const;
export type TeamSort = (typeof TEAM_SORTS)[number];

export interface TeamRow {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  created_at: string;
  updated_at: string;
}

export interface OrgMemberRow {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface TeamMemberRow extends OrgMemberRow {
  added_at: string;
}

export interface TeamFilter {
  search?: string;
}

function orgTeams(db: Db, orgId: string, filter: TeamFilter) {
  let q = db.selectFrom('teams as t').where('t.org_id', '=', orgId);
  if (filter.search) {
    q = q.where(contains('t.name', filter.search));
  }
  return q;
}

type TeamScope = ExpressionBuilder<Tables & { t: Tables['teams'] }, 't'>;

// A team member counts only while they belong to the org, so leaving the org need not touch teams.
function memberCount(eb: TeamScope) {
  return eb
    .selectFrom('team_members as tm')
    .innerJoin('memberships as m', (join) =>
      join.onRef('m.org_id', '=', 'tm.org_id').onRef('m.user_id', '=', 'tm.user_id'),
    )
    .whereRef('tm.team_id', '=', 't.id')
    .select(eb.fn.countAll<number>().as('n'))
    .$asScalar()
    .$notNull() // a count without GROUP BY always yields one row
    .as('member_count');
}

const teamColumns = ['t.id', 't.name', 't.description', 't.created_at', 't.updated_at', memberCount] as const;

export async function listTeams(
  db: Db,
  orgId: string,
  filter: TeamFilter,
  page: PageQuery & { sort: TeamSort; order: SortOrder },
): Promise<{ rows: TeamRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    orgTeams(db, orgId, filter)
      .select(teamColumns)
      .orderBy(`t.${page.sort}`, page.order)
      .orderBy('t.id', page.order)
      .limit(limit)
      .offset(offset)
      .execute(),
    orgTeams(db, orgId, filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.total };
}

export async function findTeam(db: Db, orgId: string, teamId: string): Promise<TeamRow | undefined> {
  return orgTeams(db, orgId, {}).select(teamColumns).where('t.id', '=', teamId).executeTakeFirst();
}

export async function listTeamMembers(db: Db, orgId: string, teamId: string): Promise<TeamMemberRow[]> {
  return db
    .selectFrom('team_members as tm')
    .innerJoin('memberships as m', (join) =>
      join.onRef('m.org_id', '=', 'tm.org_id').onRef('m.user_id', '=', 'tm.user_id'),
    )
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .where('tm.org_id', '=', orgId)
    .select(['u.id', 'u.email', 'u.name', 'm.role', 'tm.created_at as added_at'])
    .where('tm.team_id', '=', teamId)
    .orderBy('u.name')
    .orderBy('u.id')
    .execute();
}

/** A user of the org, as a team lists them; undefined for anyone outside it. */
export async function findOrgMember(
  db: Db,
  orgId: string,
  userId: string,
): Promise<OrgMemberRow | undefined> {
  return db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select(['u.id', 'u.email', 'u.name', 'm.role'])
    .where('m.org_id', '=', orgId)
    .where('u.id', '=', userId)
    .executeTakeFirst();
}

export async function teamExists(db: Db, orgId: string, teamId: string): Promise<boolean> {
  const team = await db
    .selectFrom('teams')
    .select('id')
    .where('id', '=', teamId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return team !== undefined;
}

export async function insertTeam(db: Db, team: TeamsTable): Promise<void> {
  await db.insertInto('teams').values(team).execute();
}

export async function updateTeamRow(
  db: Db,
  orgId: string,
  teamId: string,
  changes: Pick<TeamsTable, 'name' | 'description' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('teams').set(changes).where('id', '=', teamId).where('org_id', '=', orgId).execute();
}

/** False when there was no such team in the org. Its team_members rows go with it (ON DELETE CASCADE). */
export async function deleteTeamRow(db: Db, orgId: string, teamId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('teams')
    .where('id', '=', teamId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Adds a user to a team; the time they were added, or undefined when they already were a member.
 * ON CONFLICT rather than a lookup first, so a concurrent add of the same user is not a 500.
 */
export async function insertTeamMember(db: Db, member: TeamMembersTable): Promise<string | undefined> {
  const inserted = await db
    .insertInto('team_members')
    .values(member)
    .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
    .returning('created_at')
    .executeTakeFirst();
  return inserted?.created_at;
}

export async function teamMemberAddedAt(db: Db, teamId: string, userId: string): Promise<string> {
  const member = await db
    .selectFrom('team_members')
    .select('created_at')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return member.created_at;
}

/** False when the user was not in the team. */
export async function deleteTeamMember(
  db: Db,
  orgId: string,
  teamId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('team_members')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Takes a user out of every team of an org (they are leaving it). */
export async function removeFromOrgTeams(db: Db, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('team_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/**
 * The organization's people: members (`GET /orgs/{org}/members`) with their role (from the
 * `role=admin` listing) and two-factor state (from the `filter=2fa_disabled` listing, which only
 * owners may ask for), and outside collaborators (`GET /orgs/{org}/outside_collaborators`).
 */
import type { RunLogger, SyncBatch, SyncContext } from '../sdk.js';
import type { GitHubClient } from './client.js';
import type { GitHubConfig } from './definition.js';
import { refusal } from './errors.js';
import { formatCursor, isStart, parseCursor, resumable } from './listing.js';
import { asData, type MemberRecord, type OutsideCollaboratorRecord } from './records.js';

/** The fields of GitHub's "simple user" this connector reads. */
export interface User {
  id: number | bigint;
  login: string;
  type: string;
  site_admin: boolean;
  html_url: string;
}

/** What the people listings tell the organization's two-factor evidence. */
export interface PeopleSummary {
  /** Every listed person, when the listing ran from its start in this attempt. */
  total: number | null;
  /** Logins without two-factor authentication; null when the token may not ask. */
  withoutTwoFactor: string[] | null;
}

async function logins(pages: AsyncIterable<{ data: User[] }>): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const { data } of pages) for (const user of data) found.add(user.login);
  return found;
}

/**
 * The logins a `filter=2fa_disabled` listing gives, or null when GitHub refuses the filter to this
 * token ("only available for organization owners": a 403 or a 422).
 */
async function withoutTwoFactor(
  runLog: RunLogger,
  who: string,
  pages: AsyncIterable<{ data: User[] }>,
): Promise<Set<string> | null> {
  try {
    return await logins(pages);
  } catch (error) {
    const refused = refusal(error, [403, 404, 422]);
    if (!refused) throw error;
    runLog.log('warn', `Could not read which ${who} lack two-factor authentication; recorded as unknown`, {
      details: { http_status: refused.status, message: refused.message },
      source: 'github',
    });
    return null;
  }
}

/** The logins of members without two-factor authentication; null when the token may not ask. */
export function membersWithoutTwoFactor(
  client: GitHubClient,
  org: string,
  runLog: RunLogger,
): Promise<Set<string> | null> {
  return withoutTwoFactor(
    runLog,
    'members',
    client.paginate.iterator('GET /orgs/{org}/members', { org, filter: '2fa_disabled', per_page: 100 }),
  );
}

/** The logins of outside collaborators without two-factor authentication; null when the token may not ask. */
export function outsideCollaboratorsWithoutTwoFactor(
  client: GitHubClient,
  org: string,
  runLog: RunLogger,
): Promise<Set<string> | null> {
  return withoutTwoFactor(
    runLog,
    'outside collaborators',
    client.paginate.iterator('GET /orgs/{org}/outside_collaborators', {
      org,
      filter: '2fa_disabled',
      per_page: 100,
    }),
  );
}

/** A member as the sync stores it. */
export function memberRecord(
  user: User,
  role: MemberRecord['role'],
  no2fa: ReadonlySet<string> | null,
): MemberRecord {
  return {
    id: Number(user.id),
    login: user.login,
    type: user.type,
    site_admin: user.site_admin,
    role,
    two_factor_enabled: no2fa ? !no2fa.has(user.login) : null,
    html_url: user.html_url,
  };
}

/** An outside collaborator as the sync stores it. */
export function outsideCollaboratorRecord(
  user: User,
  no2fa: ReadonlySet<string> | null,
): OutsideCollaboratorRecord {
  return {
    id: Number(user.id),
    login: user.login,
    type: user.type,
    site_admin: user.site_admin,
    two_factor_enabled: no2fa ? !no2fa.has(user.login) : null,
    html_url: user.html_url,
  };
}

export async function* syncMembers(
  client: GitHubClient,
  ctx: SyncContext<GitHubConfig>,
): AsyncGenerator<SyncBatch, PeopleSummary> {
  const org = ctx.config.organization;
  const start = parseCursor(ctx.cursors.members);
  const admins = await logins(
    client.paginate.iterator('GET /orgs/{org}/members', { org, role: 'admin', per_page: 100 }),
  );
  const no2fa = await membersWithoutTwoFactor(client, org, ctx.runLog);
  let total = 0;
  const responses = client.paginate.iterator('GET /orgs/{org}/members', {
    org,
    role: 'all',
    per_page: 100,
    page: start.page,
  });
  for await (const page of resumable(responses, start)) {
    total += page.items.length;
    const records = page.items.map((user) =>
      memberRecord(user, admins.has(user.login) ? 'admin' : 'member', no2fa),
    );
    yield {
      entity: 'members',
      records: records.map((record) => ({ id: String(record.id), data: asData(record) })),
      cursor: formatCursor(page.cursor),
    };
  }
  return { total: isStart(start) ? total : null, withoutTwoFactor: no2fa ? [...no2fa].sort() : null };
}

export async function* syncOutsideCollaborators(
  client: GitHubClient,
  ctx: SyncContext<GitHubConfig>,
): AsyncGenerator<SyncBatch, PeopleSummary> {
  const org = ctx.config.organization;
  const start = parseCursor(ctx.cursors.outside_collaborators);
  const no2fa = await outsideCollaboratorsWithoutTwoFactor(client, org, ctx.runLog);
  let total = 0;
  const responses = client.paginate.iterator('GET /orgs/{org}/outside_collaborators', {
    org,
    per_page: 100,
    page: start.page,
  });
  for await (const page of resumable(responses, start)) {
    total += page.items.length;
    const records = page.items.map((user) => outsideCollaboratorRecord(user, no2fa));
    yield {
      entity: 'outside_collaborators',
      records: records.map((record) => ({ id: String(record.id), data: asData(record) })),
      cursor: formatCursor(page.cursor),
    };
  }
  return { total: isStart(start) ? total : null, withoutTwoFactor: no2fa ? [...no2fa].sort() : null };
}

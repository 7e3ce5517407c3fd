/**
 * A record an event named, read again from GitHub and built by the sync's own functions, so a
 * webhook stores exactly what the next sync would. What the sync would not find (a repository
 * deleted, transferred away or no longer visible; a person no longer a member or collaborator) is a
 * delete.
 */
import type { ConnectorContext, RunLogger, WebhookEffect } from '../sdk.js';
import type { GitHubClient } from './client.js';
import type { GitHubConfig, GitHubEntity } from './definition.js';
import { refusal } from './errors.js';
import {
  memberRecord,
  membersWithoutTwoFactor,
  outsideCollaboratorRecord,
  outsideCollaboratorsWithoutTwoFactor,
} from './people.js';
import { asData } from './records.js';
import { repositoryRecord, Unreadable } from './repositories.js';
import type { RepositoryRef, UserRef } from './webhook-payload.js';

type Ctx = ConnectorContext<GitHubConfig>;

/** What the sync writes to a run's log, written to the operation's logger instead. */
function runLogOf(logger: Ctx['logger']): RunLogger {
  return {
    log: (level, message, extra) => logger[level]({ ...extra?.details, source: extra?.source }, message),
  };
}

export function gone(entity: GitHubEntity, id: number): WebhookEffect {
  return { kind: 'delete', entity, ids: [String(id)] };
}

function stored(entity: GitHubEntity, record: { id: number }): WebhookEffect {
  return { kind: 'upsert', entity, records: [{ id: String(record.id), data: asData(record) }] };
}

/** GitHub logins are not case sensitive. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The repository with its security posture, as the sync stores it (`repos/get`, then its details). */
export async function readRepository(
  ctx: Ctx,
  client: GitHubClient,
  repository: RepositoryRef,
): Promise<WebhookEffect[]> {
  // The sync lists the organization's repositories only: one owned elsewhere has left it.
  if (!sameLogin(repository.owner, ctx.config.organization)) return [gone('repositories', repository.id)];
  let response: Awaited<ReturnType<typeof getRepository>>;
  try {
    response = await getRepository(client, repository);
  } catch (error) {
    if (refusal(error, [404])) return [gone('repositories', repository.id)];
    throw error;
  }
  // A 301: renamed or transferred again since this event; the event saying so reads it then.
  if (Number(response.status) !== 200) {
    ctx.logger.info(
      { repository: `${repository.owner}/${repository.name}`, status: response.status },
      'GitHub repository moved since the event: left to the event that moved it',
    );
    return [];
  }
  const unreadable = new Unreadable();
  const record = await repositoryRecord(client, response.data, unreadable);
  unreadable.log(runLogOf(ctx.logger));
  return [stored('repositories', record)];
}

function getRepository(client: GitHubClient, repository: RepositoryRef) {
  return client.request('GET /repos/{owner}/{repo}', { owner: repository.owner, repo: repository.name });
}

/**
 * The member as the sync stores it: the role from their membership (`admin` is an owner, as the
 * sync's `role=admin` listing), the two-factor state from the `2fa_disabled` listing. A member is
 * no outside collaborator. Not an active member: a delete.
 */
export async function readMember(ctx: Ctx, client: GitHubClient, user: UserRef): Promise<WebhookEffect[]> {
  const org = ctx.config.organization;
  let membership: Awaited<ReturnType<typeof getMembership>>['data'];
  try {
    ({ data: membership } = await getMembership(client, org, user.login));
  } catch (error) {
    if (refusal(error, [404])) return [gone('members', user.id)];
    throw error;
  }
  if (membership.state !== 'active' || !membership.user) return [gone('members', user.id)];
  const no2fa = await membersWithoutTwoFactor(client, org, runLogOf(ctx.logger));
  const record = memberRecord(membership.user, membership.role === 'admin' ? 'admin' : 'member', no2fa);
  return [stored('members', record), gone('outside_collaborators', record.id)];
}

function getMembership(client: GitHubClient, org: string, username: string) {
  return client.request('GET /orgs/{org}/memberships/{username}', { org, username });
}

/**
 * The outside collaborator as the sync stores it, found in the organization's listing (GitHub has
 * no single-person read for it; the listing stops where the person is found). Not listed: a delete.
 */
export async function readOutsideCollaborator(
  ctx: Ctx,
  client: GitHubClient,
  user: UserRef,
): Promise<WebhookEffect[]> {
  const org = ctx.config.organization;
  const pages = client.paginate.iterator('GET /orgs/{org}/outside_collaborators', { org, per_page: 100 });
  for await (const { data } of pages) {
    const found = data.find((person) => Number(person.id) === user.id);
    if (found) {
      const no2fa = await outsideCollaboratorsWithoutTwoFactor(client, org, runLogOf(ctx.logger));
      return [stored('outside_collaborators', outsideCollaboratorRecord(found, no2fa))];
    }
  }
  return [gone('outside_collaborators', user.id)];
}

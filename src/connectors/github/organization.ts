/**
 * The organization itself (`GET /orgs/{org}`), read on every sync: its two-factor requirement
 * (`two_factor_requirement_enabled`, shown to owners only) with what the people listings found makes
 * the two-factor enforcement evidence.
 */
import type { EvidenceItem, SyncBatch } from '../sdk.js';
import type { GitHubClient } from './client.js';
import type { PeopleSummary } from './people.js';
import { asData, type OrganizationRecord } from './records.js';

/** Logins listed in evidence, at most. */
const LISTED = 100;

export async function organizationRecord(client: GitHubClient, org: string): Promise<OrganizationRecord> {
  const { data } = await client.request('GET /orgs/{org}', { org });
  return {
    id: Number(data.id),
    login: data.login,
    name: data.name ?? null,
    two_factor_requirement_enabled: data.two_factor_requirement_enabled ?? null,
    plan: data.plan?.name ?? null,
    public_repos: data.public_repos,
    total_private_repos: data.total_private_repos ?? null,
    html_url: data.html_url,
  };
}

function describe(count: number | null, total: number | null, who: string): string {
  if (count === null) return `which ${who} lack it is unknown to this token`;
  return total === null ? `${count} ${who} without it` : `${count} of ${total} ${who} without it`;
}

export function twoFactorEvidence(
  organization: OrganizationRecord,
  members: PeopleSummary,
  outside: PeopleSummary,
): EvidenceItem {
  const required = organization.two_factor_requirement_enabled;
  const requirement =
    required === null
      ? `${organization.login}'s two-factor requirement is not visible to this token`
      : `${organization.login} ${required ? 'requires' : 'does not require'} two-factor authentication`;
  const membersWithout = members.withoutTwoFactor?.length ?? null;
  const outsideWithout = outside.withoutTwoFactor?.length ?? null;
  return {
    kind: 'two_factor_enforcement',
    summary: `${requirement}; ${describe(membersWithout, members.total, 'members')}, ${describe(outsideWithout, outside.total, 'outside collaborators')}`,
    data: {
      organization: organization.login,
      requirement_enabled: required,
      members_total: members.total,
      members_without_2fa: membersWithout,
      outside_collaborators_total: outside.total,
      outside_collaborators_without_2fa: outsideWithout,
      members_without_2fa_logins: members.withoutTwoFactor?.slice(0, LISTED) ?? null,
      outside_collaborators_without_2fa_logins: outside.withoutTwoFactor?.slice(0, LISTED) ?? null,
    },
  };
}

/** The organization's batch: no cursor, so every sync reads it again (one request). */
export async function organizationBatch(
  client: GitHubClient,
  org: string,
  members: PeopleSummary,
  outside: PeopleSummary,
): Promise<SyncBatch> {
  const organization = await organizationRecord(client, org);
  return {
    entity: 'organization',
    records: [{ id: String(organization.id), data: asData(organization) }],
    evidence: [twoFactorEvidence(organization, members, outside)],
  };
}

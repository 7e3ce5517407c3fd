/**
 * The GitHub preview (endpoint #25, the spec's shape to the letter), counted from the stored
 * records of the last successful sync.
 */
import type { StoredRecords } from '../sdk.js';
import { countsSchema, previewSchemaOf } from '../toolkit/preview.js';

function field(data: Record<string, unknown>, ...path: string[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export interface GitHubPreview {
  repositories: { total: number; public: number; private: number; archived: number };
  security: {
    repos_with_branch_protection: number;
    repos_with_dependabot: number;
    repos_with_code_scanning: number;
    open_vulnerability_alerts: number;
  };
  members: { total: number; admins: number; outside_collaborators: number };
}

export async function githubPreview(records: StoredRecords): Promise<GitHubPreview> {
  const preview: GitHubPreview = {
    repositories: { total: 0, public: 0, private: 0, archived: 0 },
    security: {
      repos_with_branch_protection: 0,
      repos_with_dependabot: 0,
      repos_with_code_scanning: 0,
      open_vulnerability_alerts: 0,
    },
    members: { total: 0, admins: 0, outside_collaborators: 0 },
  };
  const { repositories, security, members } = preview;
  for await (const repo of records.each('repositories')) {
    repositories.total += 1;
    // Internal repositories (Enterprise) are `private: true` too: not public.
    if (repo.private === true) repositories.private += 1;
    else repositories.public += 1;
    if (repo.archived === true) repositories.archived += 1;
    if (field(repo, 'branch_protection', 'status') === 'protected')
      security.repos_with_branch_protection += 1;
    if (field(repo, 'dependabot_alerts', 'status') === 'enabled') security.repos_with_dependabot += 1;
    if (field(repo, 'code_scanning', 'status') === 'enabled') security.repos_with_code_scanning += 1;
    const open = field(repo, 'dependabot_alerts', 'open', 'total');
    if (typeof open === 'number') security.open_vulnerability_alerts += open;
  }
  for await (const member of records.each('members')) {
    members.total += 1;
    if (member.role === 'admin') members.admins += 1;
  }
  for await (const _ of records.each('outside_collaborators')) members.outside_collaborators += 1;
  return preview;
}

export const githubPreviewSchema = previewSchemaOf({
  repositories: countsSchema(['total', 'public', 'private', 'archived']),
  security: countsSchema([
    'repos_with_branch_protection',
    'repos_with_dependabot',
    'repos_with_code_scanning',
    'open_vulnerability_alerts',
  ]),
  members: countsSchema(['total', 'admins', 'outside_collaborators']),
});

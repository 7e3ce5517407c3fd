import { GitHubConnector } from './connector.js';

export { GitHubConnector, type GitHubConnectorOptions } from './connector.js';
export { GITHUB_API_VERSION, GITHUB_ENTITIES, type GitHubConfig, githubDefinition } from './definition.js';
export type { GitHubPreview } from './preview.js';
export type {
  BranchProtection,
  CodeScanning,
  DependabotAlerts,
  MemberRecord,
  OrganizationRecord,
  OutsideCollaboratorRecord,
  RepositoryRecord,
} from './records.js';

/** The instance the registry serves. */
export const githubConnector = new GitHubConnector();

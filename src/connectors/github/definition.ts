import type { ConfigOf, ConfigSchema, ConnectorDefinition } from '../sdk.js';
import { letterIcon } from '../toolkit/icon.js';

/** The entities a sync yields, in the order it yields them. */
export const GITHUB_ENTITIES = ['repositories', 'members', 'outside_collaborators', 'organization'] as const;
export type GitHubEntity = (typeof GITHUB_ENTITIES)[number];

/** The REST API version every request asks for (GitHub: "API versions"). */
export const GITHUB_API_VERSION = '2022-11-28';
export const GITHUB_MEDIA_TYPE = 'application/vnd.github+json';

const githubConfigSchema = {
  type: 'object',
  required: ['token', 'organization'],
  additionalProperties: false,
  properties: {
    token: {
      type: 'string',
      title: 'Personal access token',
      description:
        'A classic token with the read:org, repo and security_events scopes (an organization ' +
        "owner's, to see members' two-factor state), or a fine-grained token with read access to " +
        'the organization members, administration, Dependabot alerts and code scanning alerts.',
      format: 'password',
      minLength: 1,
      maxLength: 255,
    },
    organization: {
      type: 'string',
      title: 'Organization',
      description: 'The organization login, as in https://github.com/ORGANIZATION.',
      pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,38}$',
      maxLength: 39,
    },
    base_url: {
      type: 'string',
      title: 'API base URL',
      description:
        'GitHub Enterprise Server: https://HOST/api/v3. Leave empty for GitHub.com (https://api.github.com).',
      format: 'uri',
      maxLength: 2048,
    },
  },
} as const satisfies ConfigSchema;

/** A GitHub connection's config. */
export type GitHubConfig = ConfigOf<typeof githubConfigSchema>;

export const githubDefinition: ConnectorDefinition = {
  slug: 'github',
  name: 'GitHub',
  provider: 'github',
  category: 'code_devops',
  shortDescription: 'Code repository monitoring and security compliance',
  description:
    "An organization's repositories with their default-branch protection, Dependabot alert state, " +
    'open vulnerability alerts and code scanning; its members with their role and two-factor ' +
    'authentication state; and its outside collaborators. Evidence: branch protection coverage, ' +
    'two-factor enforcement and open vulnerability alerts by severity. Works with GitHub.com and ' +
    'GitHub Enterprise Server.',
  iconUrl: letterIcon('github', 'G', '#24292f'),
  documentationUrl: 'https://docs.github.com/en/rest',
  websiteUrl: 'https://github.com',
  authType: 'api_key',
  configSchema: githubConfigSchema,
  capabilities: ['sync_resources', 'sync_configurations', 'collect_evidence', 'receive_webhooks'],
  entities: [
    {
      name: 'repositories',
      description:
        'Repositories with visibility, default-branch protection, Dependabot alert state and open ' +
        'alerts by severity, and code scanning state.',
    },
    {
      name: 'members',
      description: 'Organization members with their role and two-factor authentication state.',
    },
    {
      name: 'outside_collaborators',
      description:
        'People with access to some repositories without being members, with their two-factor state.',
    },
    {
      name: 'organization',
      description: 'The organization itself, with its two-factor requirement and plan.',
    },
  ],
  version: '1.0.0',
  tags: ['github', 'devops', 'code'],
  api: {
    baseUrl: 'https://api.github.com/',
    credential: { kind: 'header', header: 'authorization', prefix: 'token ', field: 'token' },
    headers: { accept: GITHUB_MEDIA_TYPE, 'x-github-api-version': GITHUB_API_VERSION },
    // Every endpoint this connector calls counts against GitHub's `core` resource (its answers say
    // `x-ratelimit-resource: core`): one budget from the first request on, whatever the path.
    rateLimitFamily: () => 'core',
  },
};

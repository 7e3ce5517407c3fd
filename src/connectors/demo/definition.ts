import type { ConfigOf, ConfigSchema, ConnectorDefinition } from '../sdk.js';
import { letterIcon } from '../toolkit/icon.js';

/** Defaults and maxima, shared by the schema and the generator so the two cannot drift apart. */
export const DEMO_DEFAULTS = {
  seed: 1,
  domain: 'demo.example',
  users: 100,
  groups: 10,
  repositories: 25,
  fail_auth: false,
  failure_rate: 0,
  item_failure_rate: 0,
} as const;

export const DEMO_MAXIMA = {
  seed: 4_294_967_295,
  users: 1_000_000,
  groups: 10_000,
  repositories: 1_000_000,
} as const;

const demoConfigSchema = {
  type: 'object',
  required: ['api_token'],
  additionalProperties: false,
  properties: {
    api_token: {
      type: 'string',
      title: 'API Token',
      description: 'Any non-empty value is accepted unless "Fail authentication" is set.',
      format: 'password',
      minLength: 1,
      maxLength: 255,
    },
    seed: {
      type: 'integer',
      title: 'Seed',
      description: 'The same seed always generates the same records; change it for different data.',
      default: DEMO_DEFAULTS.seed,
      minimum: 0,
      maximum: DEMO_MAXIMA.seed,
    },
    domain: {
      type: 'string',
      title: 'Domain',
      description: 'Used in user emails and repository names (e.g. acme.example).',
      default: DEMO_DEFAULTS.domain,
      pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$',
      maxLength: 253,
    },
    users: {
      type: 'integer',
      title: 'Users',
      description: 'How many users to generate.',
      default: DEMO_DEFAULTS.users,
      minimum: 0,
      maximum: DEMO_MAXIMA.users,
    },
    groups: {
      type: 'integer',
      title: 'Groups',
      description: 'How many groups to generate; each user belongs to two of them (one if only one exists).',
      default: DEMO_DEFAULTS.groups,
      minimum: 0,
      maximum: DEMO_MAXIMA.groups,
    },
    repositories: {
      type: 'integer',
      title: 'Repositories',
      description: 'How many repositories to generate.',
      default: DEMO_DEFAULTS.repositories,
      minimum: 0,
      maximum: DEMO_MAXIMA.repositories,
    },
    fail_auth: {
      type: 'boolean',
      title: 'Fail authentication',
      description: 'Reject the API token, as a provider does with a revoked one.',
      default: DEMO_DEFAULTS.fail_auth,
    },
    failure_rate: {
      type: 'number',
      title: 'Failure rate',
      description:
        'Fraction of operations (0 to 1) that fail with a provider error or a rate limit, ' +
        'in a sequence fixed by the seed.',
      default: DEMO_DEFAULTS.failure_rate,
      minimum: 0,
      maximum: 1,
    },
    item_failure_rate: {
      type: 'number',
      title: 'Invalid record rate',
      description:
        'Fraction of records (0 to 1) the provider returns incomplete, so a sync ends partial with those items failed.',
      default: DEMO_DEFAULTS.item_failure_rate,
      minimum: 0,
      maximum: 1,
    },
  },
} as const satisfies ConfigSchema;

/** A demo connection's config. */
export type DemoConfig = ConfigOf<typeof demoConfigSchema>;

export const demoDefinition: ConnectorDefinition = {
  slug: 'demo',
  name: 'Demo',
  provider: 'demo',
  category: 'custom',
  shortDescription: 'Generated users, groups and repositories; no external service or credentials needed.',
  description:
    'A provider that lives inside Switchboard. Its users, groups, group memberships and repositories ' +
    'are generated from a seed, so the same seed always yields the same records. Its config can ask ' +
    'for an authentication failure or a rate of provider errors, so every path of the engine can be ' +
    'tried without a real account.',
  // Inline, because a provider with no external service should not depend on one for its icon.
  iconUrl: letterIcon('demo', 'D', '#4f46e5'),
  // The provider is this server: its documentation and its site are the server's own reference page.
  documentationUrl: '/docs',
  websiteUrl: '/docs',
  authType: 'api_key',
  configSchema: demoConfigSchema,
  capabilities: ['sync_users', 'sync_resources', 'collect_evidence', 'search'],
  entities: [
    { name: 'users', description: 'People with their status, department, MFA and admin flags.' },
    { name: 'groups', description: 'Teams and access groups.' },
    { name: 'group_memberships', description: 'Which user belongs to which group, with a role.' },
    { name: 'repositories', description: 'Code repositories with visibility and branch protection.' },
  ],
  version: '1.0.0',
  tags: ['demo', 'sample-data', 'testing'],
};

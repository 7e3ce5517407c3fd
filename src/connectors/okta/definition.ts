import type { ConfigOf, ConfigSchema, ConnectorDefinition } from '../sdk.js';
import { letterIcon } from '../toolkit/icon.js';
import { oktaErrorFrom } from './errors.js';

/**
 * The endpoint families Okta counts requests in (developer.okta.com, rate limits: "Management
 * rate limits"): listing users apart from a user's own endpoints (factors included), and each of
 * groups, apps and policies (with their rules) as one family.
 */
export function oktaRateLimitFamily(pathname: string): string {
  if (pathname === '/api/v1/users') return 'users';
  if (pathname.startsWith('/api/v1/users/')) return 'users/{id}';
  const [, , , family] = pathname.split('/');
  return family ?? '';
}

// The spec's schema (§1, GET /integrations/:id), plus the `base_url` every starter connector takes.
const oktaConfigSchema = {
  type: 'object',
  required: ['domain', 'api_token'],
  properties: {
    domain: {
      type: 'string',
      title: 'Okta Domain',
      description: 'Your Okta domain (e.g., acme.okta.com)',
      pattern: '^[a-z0-9.-]+\\.okta\\.com$',
    },
    api_token: {
      type: 'string',
      title: 'API Token',
      description: 'Okta API token with read-only admin access',
      format: 'password',
    },
    sync_deprovisioned: {
      type: 'boolean',
      title: 'Sync Deprovisioned Users',
      default: false,
    },
    base_url: {
      type: 'string',
      title: 'API base URL',
      description: 'Calls this URL instead of https://{domain}/ (a proxy in front of Okta).',
      format: 'uri',
    },
  },
} as const satisfies ConfigSchema;

/** An Okta connection's config. */
export type OktaConfig = ConfigOf<typeof oktaConfigSchema>;

export const oktaDefinition: ConnectorDefinition = {
  slug: 'okta',
  name: 'Okta',
  provider: 'okta',
  category: 'identity_access',
  shortDescription: 'Identity and access management via Okta',
  description:
    'Sync users, groups, and applications from Okta. Monitors MFA enrollment, password policies, and application access.',
  iconUrl: letterIcon('okta', 'O', '#007dc1'),
  documentationUrl: 'https://developer.okta.com/docs/api/openapi/okta-management/guides/overview/',
  websiteUrl: 'https://www.okta.com',
  authType: 'api_key',
  configSchema: oktaConfigSchema,
  capabilities: [
    'sync_users',
    'sync_resources',
    'sync_configurations',
    'collect_evidence',
    'receive_webhooks',
  ],
  entities: [
    { name: 'users', description: 'People with their status, last sign-in and enrolled MFA factors.' },
    { name: 'groups', description: 'Okta groups, including the built-in Everyone group.' },
    { name: 'applications', description: 'Application integrations with their status and sign-on mode.' },
    {
      name: 'policies',
      description: 'Password, MFA enrollment and sign-on policies with their rules (session lifetimes).',
    },
  ],
  version: '1.0.0',
  tags: ['okta', 'identity', 'sso', 'mfa'],
  api: {
    baseUrl: (config) =>
      typeof config.domain === 'string' && config.domain !== '' ? `https://${config.domain}/` : undefined,
    baseUrlFrom: 'domain',
    credential: { kind: 'header', header: 'authorization', prefix: 'SSWS ', field: 'api_token' },
    headers: { accept: 'application/json' },
    rateLimitFamily: oktaRateLimitFamily,
    readError: oktaErrorFrom,
  },
};

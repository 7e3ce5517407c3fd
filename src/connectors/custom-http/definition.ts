import type { ConnectorDefinition } from '../sdk.js';
import { letterIcon } from '../toolkit/icon.js';
import { customHttpCredential } from './auth.js';
import { checkCustomHttpConfig } from './config-checks.js';
import { customHttpConfigSchema } from './schema.js';

export const customHttpDefinition: ConnectorDefinition = {
  slug: 'custom-http',
  name: 'Custom HTTP API',
  provider: 'custom_http',
  category: 'custom',
  shortDescription: 'Any JSON REST API, configured without code',
  description:
    'Syncs the listings of any JSON REST API: each entity is a path, where its records are in the ' +
    'body, their id, and the pagination the API uses (Link header, body cursor, page numbers or ' +
    'offsets), optionally incremental by a changed-since parameter. Authenticates with a bearer ' +
    'token, an API key in a header or query parameter, or HTTP Basic.',
  iconUrl: letterIcon('custom-http', 'H', '#475569'),
  documentationUrl: 'https://www.rfc-editor.org/rfc/rfc8288',
  websiteUrl: 'https://www.json.org',
  authType: 'custom',
  configSchema: customHttpConfigSchema,
  capabilities: ['sync_resources'],
  // Each connection defines its own (config.entities).
  entities: [],
  entitiesOf: (config) =>
    (Array.isArray(config.entities) ? config.entities : []).flatMap((entity: unknown) =>
      typeof entity === 'object' && entity !== null && 'name' in entity && typeof entity.name === 'string'
        ? [
            {
              name: entity.name,
              description: `Records listed at ${'path' in entity ? String(entity.path) : 'its path'}`,
            },
          ]
        : [],
    ),
  version: '1.0.0',
  tags: ['http', 'rest', 'json', 'custom'],
  api: {
    // Always the config's base_url (a required field).
    baseUrl: () => undefined,
    credential: customHttpCredential,
    headers: { accept: 'application/json' },
  },
  checkConfig: checkCustomHttpConfig,
};

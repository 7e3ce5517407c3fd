/**
 * The connector contract. A connector knows one provider and nothing of routes, databases or
 * queues: it declares what it is (its definition) and implements what its capabilities promise.
 * The engine never branches on a slug; differences between connectors are flags on the definition.
 */
import type { Logger } from '../platform/logging/logger.js';

export const CATEGORIES = [
  'cloud_infrastructure',
  'identity_access',
  'code_devops',
  'communication',
  'ticketing',
  'custom',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CAPABILITIES = [
  'sync_users',
  'sync_resources',
  'sync_configurations',
  'collect_evidence',
  'run_scans',
  'send_notifications',
  'receive_webhooks',
  'search',
  'create_tickets',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const AUTH_TYPES = ['oauth2', 'api_key', 'basic', 'custom', 'aws_iam', 'none'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/**
 * A JSON Schema (draft 2020-12 subset) describing a connection's config. Fields holding secrets are
 * marked `format: "password"` or `"x-secret": true`: they are encrypted at rest and masked in responses.
 */
export interface ConfigSchema {
  type: 'object';
  required?: string[];
  properties: Record<string, ConfigField>;
  additionalProperties?: boolean;
}

export interface ConfigField {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: ConfigField;
  'x-secret'?: boolean;
}

/** A kind of record the connector syncs (users, groups, repositories…). */
export interface EntityDefinition {
  name: string;
  description: string;
}

export interface OAuthEndpoints {
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl?: string;
  scopes: string[];
}

export interface ConnectorDefinition {
  slug: string;
  name: string;
  /** The provider family (`okta`, `aws_config`…), shared by entries built on the same connector. */
  provider: string;
  category: Category;
  shortDescription: string;
  description: string;
  iconUrl: string;
  documentationUrl?: string;
  websiteUrl?: string;
  authType: AuthType;
  configSchema: ConfigSchema;
  capabilities: Capability[];
  entities: EntityDefinition[];
  version: string;
  tags: string[];
  isBeta?: boolean;
  oauth?: OAuthEndpoints;
}

export function isSecretField(field: ConfigField): boolean {
  return field.format === 'password' || field['x-secret'] === true;
}

/** Why a call to a provider failed, as the API reports it (spec: test_result details.error_type). */
export type ProviderErrorType =
  | 'auth_error'
  | 'network_error'
  | 'permission_error'
  | 'rate_limited'
  | 'provider_error';

export type TestOutcome =
  | { ok: true; message: string; details: Record<string, unknown> }
  | {
      ok: false;
      errorType: ProviderErrorType;
      message: string;
      httpStatus?: number;
      providerMessage?: string;
    };

/** What the engine hands a connector for one operation. */
export interface ConnectorContext<Config> {
  /** The connection's config, secrets decrypted. */
  config: Config;
  logger: Logger;
  /** Aborted when the operation is cancelled or times out; pass it to every request. */
  signal: AbortSignal;
  /** Resolves a provider path against the connection's base URL (overridable, so tests can point it at a fake). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface Connector<Config = Record<string, unknown>> {
  readonly definition: ConnectorDefinition;
  /** Proves the credentials with a lightweight call; never syncs data. */
  test(ctx: ConnectorContext<Config>): Promise<TestOutcome>;
}

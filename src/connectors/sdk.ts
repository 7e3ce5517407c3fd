/**
 * The connector contract. A connector knows one provider and nothing of routes, databases or
 * queues: it declares what it is (its definition) and implements what its capabilities promise.
 * The engine never branches on a slug; differences between connectors are flags on the definition.
 */
import type { Logger } from '../platform/logging/logger.js';
import type { ProviderRequest, ProviderResponse } from '../platform/outbound/provider-fetch.js';

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
  /** RFC 7009 endpoint; when set, disconnecting revokes the tokens there first. */
  revocationUrl?: string;
  /**
   * The authorization server's issuer identifier, checked against the `iss` it returns (RFC 9207).
   * Defaults to the authorization endpoint's origin; set it when the issuer has a path.
   */
  issuer?: string;
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
  /** A URL, or a path on this server (`/…`) for what the server itself serves. */
  iconUrl: string;
  /** Every built-in connector sets both (the contract suite checks); https, or a path on this server. */
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
  /**
   * Resolves a provider path against the connection's base URL (overridable, so tests can point it
   * at a fake), with the connection's credential; an OAuth token is refreshed after a 401.
   */
  fetch(path: string, init?: ProviderRequest): Promise<ProviderResponse>;
}

/** How a failure of a whole operation is handled (spec: external-system-integrations.md error classes). */
export type FailureClass = 'transient' | 'authentication' | 'validation' | 'permanent';

/**
 * What a connector throws when the provider refuses an operation. The engine retries `transient`
 * ones (after `retryAfterMs` when the provider said so), stops on the others, and marks the
 * connection `error` on `authentication`.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly failure: FailureClass,
    message: string,
    readonly details: { httpStatus?: number; retryAfterMs?: number; providerMessage?: string } = {},
  ) {
    super(message);
  }
}

/** A `Retry-After` header (seconds or an HTTP date) in milliseconds from `now`; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date = new Date()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** The usual reading of a provider's error response: 401 authentication, 429/5xx transient, 4xx permanent. */
export async function providerErrorFrom(response: ProviderResponse, what: string): Promise<ProviderError> {
  const body = (await response.text().catch(() => '')).slice(0, 500);
  const details = {
    httpStatus: response.status,
    providerMessage: body || undefined,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
  };
  const status = response.status;
  const failure: FailureClass =
    status === 401
      ? 'authentication'
      : status === 429 || status === 408 || status >= 500
        ? 'transient'
        : status === 400 || status === 422
          ? 'validation'
          : 'permanent';
  return new ProviderError(failure, `${what} failed: HTTP ${status}${body ? ` ${body}` : ''}`, details);
}

/** One record as the provider has it; `id` is its id at the provider. */
export interface SyncRecord {
  id: string;
  data: Record<string, unknown>;
}

/** An item the connector could not process; the run goes on and ends `partial`. */
export interface FailedItem {
  /** A reference a person can find the item by, e.g. `user:john@acme.com`. */
  item: string;
  error: string;
  details?: Record<string, unknown>;
}

/** A snapshot proving a control's state at collection time (counted in `evidence_collected`). */
export interface EvidenceItem {
  /** What it is evidence of, e.g. `mfa_enforcement`. */
  kind: string;
  summary: string;
  data: Record<string, unknown>;
}

/**
 * A page of one entity's records. `cursor` is where to resume the entity after this page; the
 * engine stores it only once the page's records are committed.
 */
export interface SyncBatch {
  entity: string;
  records: SyncRecord[];
  failed?: FailedItem[];
  evidence?: EvidenceItem[];
  /** Records the connector left out on purpose (filtered by the config), counted in `items_skipped`. */
  skipped?: number;
  cursor?: string | null;
}

/** What a run's log holds (spec: run logs). */
export type RunLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunLogger {
  log(
    level: RunLogLevel,
    message: string,
    extra?: { details?: Record<string, unknown>; source?: string; itemRef?: string },
  ): void;
}

export interface SyncContext<Config> extends ConnectorContext<Config> {
  /** True for a full sync: start every entity from the beginning (records not seen are deleted). */
  fullSync: boolean;
  /** Where each entity stopped last time (incremental syncs); absent entities start from the beginning. */
  cursors: Readonly<Record<string, string>>;
  /** The run's log, shown by GET /runs/:rid/logs. */
  runLog: RunLogger;
}

export interface Connector<Config = Record<string, unknown>> {
  readonly definition: ConnectorDefinition;
  /** Proves the credentials with a lightweight call; never syncs data. */
  test(ctx: ConnectorContext<Config>): Promise<TestOutcome>;
  /** A lighter periodic check; the engine uses `test` when a connector has none. */
  healthCheck?(ctx: ConnectorContext<Config>): Promise<TestOutcome>;
  /**
   * Streams the provider's records as batches, entity after entity. Throws ProviderError when an
   * operation fails as a whole; items that fail alone go in `failed`.
   */
  sync?(ctx: SyncContext<Config>): AsyncIterable<SyncBatch>;
}

/**
 * The connector contract. A connector knows one provider and nothing of routes, databases or
 * queues: it declares what it is (its definition) and implements what its capabilities promise.
 * The engine never branches on a slug; differences between connectors are flags on the definition.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { FieldIssue } from '../platform/errors.js';
import type { Logger } from '../platform/logging/logger.js';
import type { CredentialDeclaration } from '../platform/outbound/credential-scheme.js';
import type { ProviderRequest, ProviderResponse } from '../platform/outbound/provider-fetch.js';
import { retryAfterMs } from '../platform/outbound/rate-limit.js';
import type { Pagination, ProviderPage } from './toolkit/pagination.js';

export type { CredentialDeclaration, CredentialScheme } from '../platform/outbound/credential-scheme.js';
export type { ProviderRequest, ProviderResponse } from '../platform/outbound/provider-fetch.js';
export type { Pagination, ProviderPage } from './toolkit/pagination.js';

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
  required?: readonly string[];
  properties: Readonly<Record<string, ConfigField>>;
  additionalProperties?: boolean;
}

/**
 * The type of the config a schema (declared `as const satisfies ConfigSchema`) describes. A field
 * with a default stays optional: validation fills it in, but a config stored before the field
 * existed lacks it.
 */
export type ConfigOf<S extends ConfigSchema & JSONSchema> = FromSchema<
  S,
  { keepDefaultedPropertiesOptional: true }
>;

export interface ConfigField {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: readonly (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  /** An array's items, and how many (a list of entities, of regions). */
  items?: ConfigField;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  /** An object's fields (an entity of the custom HTTP connector); secrets are top-level fields only. */
  properties?: Readonly<Record<string, ConfigField>>;
  required?: readonly string[];
  /** False to close the object, or the schema of every other field (a map of headers). */
  additionalProperties?: boolean | ConfigField;
  propertyNames?: { pattern?: string; maxLength?: number };
  maxProperties?: number;
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
  /** How the authorization URL separates scopes: a space (RFC 6749) unless the provider wants a comma (Slack). */
  scopeSeparator?: string;
  /**
   * Token types the provider answers besides `bearer`, each then used as a bearer token (Slack's
   * `bot`); a token of an unknown type is refused.
   */
  tokenTypes?: string[];
}

/**
 * Where and how the engine calls the provider's API for a connection: the connector names paths,
 * the engine resolves them against this origin, authenticates, guards and paces every request.
 */
export interface ProviderApi {
  /**
   * The API's base URL (origin and base path), e.g. `https://api.github.com/`, or built from the
   * config where each tenant has its own host (Okta: `https://{domain}/`). A config `base_url`
   * field, where the schema declares one, overrides it (GitHub Enterprise Server, a proxy, tests).
   */
  baseUrl: string | ((config: Record<string, unknown>) => string | undefined);
  /** The config field a built `baseUrl` comes from (Okta: `domain`), named when it is refused. */
  baseUrlFrom?: string;
  /**
   * Hosts besides the base URL's that the provider's SDK may call by itself over https, each request
   * guarded, authenticated and paced as the base URL's are (AWS: `config.<region>.amazonaws.com`).
   */
  hosts?: (hostname: string) => boolean;
  /**
   * How each request carries the connection's credential (OAuth2 connectors: `{ kind: 'oauth2' }`),
   * or a function of the config choosing it, where each connection says how its API authenticates
   * (the custom HTTP connector: none, bearer, an API key in a header or a query parameter, basic).
   */
  credential: CredentialDeclaration;
  /** Headers every request sends (Accept, an API version, a User-Agent). */
  headers?: Record<string, string>;
  /**
   * Which of the provider's rate limits a request path counts against, where it documents its
   * limits per family of endpoints (Okta); by default the first segment of the path after the API's
   * root and version, and whether the path goes below it.
   */
  rateLimitFamily?: (pathname: string) => string;
  /**
   * A failed answer as the provider's error, for `ctx.json` and `ctx.paginate` (`providerErrorFrom`
   * by default, which quotes the start of the body): a provider with a documented error body reads
   * its code and summary instead.
   */
  readError?: (response: ProviderResponse, what: string) => Promise<ProviderError>;
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
  /** The provider's HTTP API; absent for a connector with no external service (the demo). */
  api?: ProviderApi;
  /**
   * The entities a connection's config defines, for a connector whose entities are the config's
   * (the custom HTTP connector); `entities` then describes them in general. A full sync detects
   * deletes in these, beside those it saw.
   */
  entitiesOf?: (config: Record<string, unknown>) => EntityDefinition[];
  /**
   * What the config schema cannot say (fields required together, unique names in a list, paths on
   * the API's own host): the config's problems, each naming its field (`config.entities.1.name`).
   * Run after schema validation, before any request, at create, update and test (a 400).
   */
  checkConfig?: (config: Record<string, unknown>) => FieldIssue[];
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

/**
 * What the engine hands a connector for every operation (test, health check, sync, preview's
 * sources, webhooks, actions), built in one place (toolkit/context.ts).
 */
export interface ConnectorContext<Config> {
  /** The connection's config, secrets decrypted. */
  config: Config;
  logger: Logger;
  /** Aborted when the operation is cancelled or times out; every request below carries it. */
  signal: AbortSignal;
  /**
   * A request to the provider: a path resolved against the API's base URL (or an absolute URL on
   * that origin, as `Link` headers give), authenticated by the definition's credential scheme, to
   * a host the SSRF guard allows. Rate limits are the engine's: an announced exhausted budget is
   * waited out before sending; a 429 (or a 403 that says it is a rate limit) is waited out and
   * retried when the wait fits the configured budget, else it throws a transient ProviderError
   * carrying when to retry. Any other answer is returned as it came.
   */
  fetch(path: string, init?: ProviderRequest): Promise<ProviderResponse>;
  /** `fetch`, then the body as JSON; a non-2xx answer throws `providerErrorFrom(response, what)`. */
  json<T>(path: string, what: string, init?: ProviderRequest): Promise<T>;
  /**
   * The pages of a listing, from `start` (a path, or a resume point a page gave as `next`),
   * following the provider's pagination style. Each page's `next` is where to resume after it:
   * save it as the entity's cursor.
   */
  paginate<T>(start: string, pagination: Pagination<T>, what: string): AsyncIterable<ProviderPage<T>>;
  /**
   * A WHATWG fetch for a provider SDK that takes one (Octokit): the same guard, credential and
   * pacing as `fetch`; rate-limit answers are returned for the SDK's own throttling, which asks
   * `mayWait` whether a wait fits the budget.
   */
  webFetch: typeof fetch;
  /** Whether waiting `ms` for a provider's rate limit fits the run's budget (else requeue). */
  mayWait(ms: number): boolean;
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

/** A run's stored records, as a preview reads them: the last successful sync's, never the provider. */
export interface StoredRecords {
  /** The entity's records (deleted ones left out), streamed in id order. */
  each(entity: string): AsyncIterable<Record<string, unknown>>;
}

/** An inbound webhook delivery as it arrived, before anything is trusted. */
export interface WebhookDelivery {
  method: 'GET' | 'POST';
  /** Its headers, names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body byte for byte: signatures are over these bytes, never over re-serialized JSON. */
  rawBody: Buffer;
  /** When it arrived: the clock signature timestamps are checked against. */
  receivedAt: Date;
}

/** Whether a delivery proves it came from the provider; why not, for the webhook's `last_error`. */
export type WebhookVerification = { ok: true } | { ok: false; reason: string };

/**
 * How a provider signs its webhook deliveries (docs of GitHub, Slack, Okta event hooks…). The
 * webhooks module verifies every delivery with the scheme of its webhook before anything else.
 */
export interface WebhookScheme {
  /** Its name, stored on each webhook that uses it (`github`, `slack`, `okta`). */
  readonly name: string;
  /**
   * The header the provider signs in, shown on the webhook (`X-Hub-Signature-256`). Verification
   * reads whatever headers the scheme needs.
   */
  readonly signatureHeader: string;
  /**
   * `ok` only when the delivery was signed (or authorized) with `secret`, compared in constant time
   * (async: providers' own libraries verify with WebCrypto).
   */
  verify(delivery: WebhookDelivery, secret: string): Promise<WebhookVerification>;
  /**
   * The provider's id of the delivery (a retried delivery keeps it: duplicates are acknowledged and
   * not processed twice) and the event's type, from its headers or its parsed body.
   */
  describe(delivery: WebhookDelivery, payload: unknown): { id: string | null; type: string | null };
  /**
   * A handshake the provider sends to prove the endpoint is the subscriber's (Slack's signed
   * `url_verification`, Okta's one-time GET with `X-Okta-Verification-Challenge`): the answer to
   * send, instead of storing an event. Called only after `verify` passed.
   */
  handshake?(delivery: WebhookDelivery, payload: unknown): WebhookAnswer | undefined;
}

/** What the receiver answers a handshake with. */
export interface WebhookAnswer {
  status: number;
  body: unknown;
}

/** A verified event, stored, as its connector's handler sees it. */
export interface WebhookEvent {
  /** Switchboard's id of the event. */
  id: string;
  /** The event's type as the provider names it (`push`, `team_join`, `user.lifecycle.deactivate`). */
  type: string | null;
  /** The provider's delivery id, when it gives one. */
  deliveryId: string | null;
  /** Its headers (secrets redacted) and parsed body. */
  headers: Readonly<Record<string, string>>;
  payload: unknown;
  receivedAt: Date;
}

/** What an event does to the connection's data, applied by the engine in this order. */
export type WebhookEffect =
  /** Records to store as a sync would (created or updated by id), e.g. the user an event is about. */
  | { kind: 'upsert'; entity: string; records: SyncRecord[] }
  /** Records gone at the provider (marked deleted). */
  | { kind: 'delete'; entity: string; ids: string[] }
  /** An incremental sync run, trigger `webhook`, where the event says much changed. */
  | { kind: 'sync' };

/** A connector's webhooks (capability `receive_webhooks`): how its provider signs, and what events do. */
export interface ConnectorWebhooks<Config> {
  scheme: WebhookScheme;
  /**
   * The effects of a verified event; none for an event only recorded. May call the provider through
   * `ctx` (the user an event names, in full). Throws ProviderError as an operation does: a
   * transient failure is retried with backoff.
   */
  handle(event: WebhookEvent, ctx: ConnectorContext<Config>): Promise<WebhookEffect[]>;
}

/** An operation a connector performs on the provider (create a ticket, post a message), typed. */
export interface ConnectorAction<Config, Input, Output> {
  description: string;
  /** JSON Schema of the input, validated before `run`. */
  inputSchema: Record<string, unknown>;
  run(ctx: ConnectorContext<Config>, input: Input): Promise<Output>;
}

/** A record found by a connector's live search. */
export interface SearchHit {
  entity: string;
  id: string;
  title: string;
  data: Record<string, unknown>;
}

/** What a live search asks the provider for. */
export interface LiveSearchQuery {
  /** The user's query as typed (words, `"phrases"`, `OR`, `-word`): the provider's syntax may differ. */
  text: string;
  /** Only these entities, when given. */
  entities?: readonly string[];
  /** The most hits wanted, best first. */
  limit: number;
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
  /**
   * The provider's preview (endpoint #25, the spec's shape for the provider), computed from the
   * records of the last successful sync.
   */
  preview?(records: StoredRecords, config: Config): Promise<Record<string, unknown>>;
  /** The JSON Schema of what `preview` returns, published in the OpenAPI document. */
  readonly previewSchema?: JSONSchema;
  /** Its inbound webhooks (capability `receive_webhooks`): the provider's scheme and what events do. */
  webhooks?: ConnectorWebhooks<Config>;
  /** Its actions by name (capabilities `create_tickets`, `send_notifications`, `run_scans`). */
  actions?: Record<string, ConnectorAction<Config, never, unknown>>;
  /**
   * Live search at the provider (capability `search`): federated search merges its hits with the
   * stored records'. Bounded by a timeout (SWITCHBOARD_SEARCH_TIMEOUT_MS) that aborts `ctx.signal`.
   */
  search?(ctx: ConnectorContext<Config>, query: LiveSearchQuery): Promise<SearchHit[]>;
}

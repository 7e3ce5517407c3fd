import path from 'node:path';
import Type, { type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { OutboundSettings } from './platform/outbound/outbound.js';

/**
 * Every setting Switchboard reads, as one schema: the source of validation, defaults and the
 * README's configuration table (a test keeps the two in step).
 */
const LogLevel = Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// 32 bytes in base64 or base64url: 43 characters, then the padding "=" base64 adds.
const ENCRYPTION_KEY = '[A-Za-z0-9+/_-]{43}=?';

export const settingsSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8090, description: 'HTTP port.' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Interface to bind.' }),
  SWITCHBOARD_DATA_DIR: Type.String({
    minLength: 1,
    default: './data',
    description: 'Directory for the SQLite database (embedded mode).',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      hint: 'must be a postgres:// or postgresql:// URL',
      secret: true,
      description: 'PostgreSQL URL (`postgres://user:pass@host:5432/db`). Unset: SQLite in the data dir.',
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 10,
    description: 'PostgreSQL connections per process.',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      hint: 'must be a redis:// or rediss:// URL',
      secret: true,
      description: 'Redis URL (`redis://host:6379`) for scale-out mode; `/readyz` checks it.',
    }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    minLength: 1,
    maxLength: 64,
    default: 'sb:',
    description: 'Prefix for every Redis key, so several deployments can share one Redis.',
  }),
  LOG_LEVEL: {
    ...LogLevel,
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent.',
  },
  SWITCHBOARD_PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/]+(/[^\\s]*)?$',
      hint: 'must be an http:// or https:// URL',
      description:
        'Base URL the outside world uses to reach this service (webhook and OAuth redirect URLs). Unset: http://localhost:<PORT>.',
    }),
  ),
  SWITCHBOARD_CORS_ORIGINS: Type.String({
    default: '',
    description: 'Comma-separated origins allowed by CORS. Empty: CORS off.',
  }),
  SWITCHBOARD_WEB_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Directory of the built dashboard (`index.html`, `assets/`) served at `/`. Unset: `dist/web` of this installation, built by `npm run build`.',
    }),
  ),
  SWITCHBOARD_OAUTH_RETURN_ORIGINS: Type.Optional(
    Type.String({
      pattern: '^\\s*https?://[^\\s/,]+\\s*(,\\s*https?://[^\\s/,]+\\s*)*$',
      hint: 'must be comma-separated http:// or https:// origins',
      description:
        'Comma-separated origins an OAuth connect flow may send the browser back to (`return_url`). Unset: the origin of SWITCHBOARD_PUBLIC_URL.',
    }),
  ),
  SWITCHBOARD_BODY_LIMIT: Type.Integer({
    minimum: 1024,
    maximum: 104_857_600,
    default: 1_048_576,
    description: 'Largest accepted request body, in bytes.',
  }),
  SWITCHBOARD_SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 10_000,
    description: 'On SIGTERM/SIGINT, how long in-flight work may take before the process exits anyway.',
  }),
  SWITCHBOARD_TRUST_PROXY: Type.Boolean({
    default: false,
    description: 'Trust `X-Forwarded-*` headers (set when behind a reverse proxy).',
  }),
  SWITCHBOARD_MIGRATE_ON_START: Type.Boolean({
    default: true,
    description: 'Apply pending database migrations when `serve` or `api` starts.',
  }),
  SWITCHBOARD_METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      hint: 'must be at least 16 characters',
      secret: true,
      description: 'When set, `GET /metrics` requires `Authorization: Bearer <token>`.',
    }),
  ),
  SWITCHBOARD_JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      hint: 'must be at least 32 characters',
      secret: true,
      description:
        'HS256 key for access tokens. Unset on SQLite: generated into the data dir (with a warning). Required with DATABASE_URL.',
    }),
  ),
  SWITCHBOARD_ACCESS_TOKEN_TTL: Type.Integer({
    minimum: 60,
    maximum: 86_400,
    default: 900,
    description: 'Access token (JWT) lifetime, in seconds.',
  }),
  SWITCHBOARD_REFRESH_TOKEN_TTL_DAYS: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 30,
    description: 'Refresh token lifetime, in days.',
  }),
  SWITCHBOARD_REFRESH_COOKIE: Type.Boolean({
    default: true,
    description:
      'Also send the refresh token as an HttpOnly, Secure, SameSite=Strict cookie (path /api/v1/auth): the web dashboard keeps its session with it. Browsers keep a Secure cookie only over https or on localhost.',
  }),
  SWITCHBOARD_ALLOW_REGISTRATION: Type.Boolean({
    default: true,
    description: 'Allow `POST /api/v1/auth/register` (new user + new org).',
  }),
  SWITCHBOARD_ADMIN_EMAIL: Type.Optional(
    Type.String({
      format: 'email',
      description: 'Super admin created on first start with an empty database.',
    }),
  ),
  SWITCHBOARD_ADMIN_PASSWORD: Type.Optional(
    Type.String({
      minLength: 12,
      hint: 'must be at least 12 characters',
      secret: true,
      description: 'Its password. Unset: one is generated and printed once.',
    }),
  ),
  SWITCHBOARD_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: `^${ENCRYPTION_KEY}$`,
      hint: 'must be 32 bytes encoded as base64 (`openssl rand -base64 32`)',
      secret: true,
      description:
        'AES-256-GCM key sealing stored credentials: 32 bytes as base64 (`openssl rand -base64 32`). Unset on SQLite: generated into the data dir (with a warning). Required with DATABASE_URL.',
    }),
  ),
  SWITCHBOARD_ENCRYPTION_OLD_KEYS: Type.Optional(
    Type.String({
      pattern: `^\\s*${ENCRYPTION_KEY}\\s*(,\\s*${ENCRYPTION_KEY}\\s*)*$`,
      hint: 'must be comma-separated keys, each 32 bytes encoded as base64',
      secret: true,
      description:
        'Comma-separated earlier encryption keys. They only decrypt, so a new key can take over with no downtime while stored secrets are re-encrypted.',
    }),
  ),
  API_KEY_PREFIX: Type.String({
    pattern: '^[a-z][a-z0-9]{0,7}_$',
    hint: 'must be 1-8 lowercase letters or digits followed by "_"',
    default: 'sk_',
    description: 'Prefix of every API key.',
  }),
  API_KEY_EXPIRY: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 365,
    description: 'Default API key lifetime, in days.',
  }),
  SWITCHBOARD_RATE_LIMITS: Type.Boolean({
    default: true,
    description: 'Enforce rate limits (counters in memory, or in Redis when REDIS_URL is set).',
  }),
  SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: Type.Boolean({
    default: false,
    description:
      'Let connections call providers on private, loopback, link-local and other non-public addresses (self-hosted providers on an internal network). Off: such targets are refused, to keep tenants out of internal hosts.',
  }),
  SWITCHBOARD_PROVIDER_MAX_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 60_000,
    description:
      "The longest one wait for a provider's rate limit may take inside a sync, test or check; a longer one ends the attempt, retried when the provider said.",
  }),
  SWITCHBOARD_WORKER_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: 8,
    description: 'Sync runs a worker process (or the embedded process) executes at once.',
  }),
  SWITCHBOARD_SYNC_MAX_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 20,
    default: 3,
    description: 'Attempts after the first that a run failing transiently gets.',
  }),
  SWITCHBOARD_SYNC_RETRY_BASE_MS: Type.Integer({
    minimum: 1,
    maximum: 3_600_000,
    default: 30_000,
    description:
      'First retry delay; each later one doubles, with jitter, up to an hour. A provider Retry-After longer than it wins.',
  }),
  SWITCHBOARD_FULL_SYNC_INTERVAL_HOURS: Type.Integer({
    minimum: 0,
    maximum: 8_760,
    default: 24,
    description:
      "A scheduled sync is a full one (what the provider no longer has is marked deleted) when the connection's last full sync completed longer ago than this, or never; 0 makes every scheduled sync full.",
  }),
  SWITCHBOARD_SCHEDULER_INTERVAL_MS: Type.Integer({
    minimum: 50,
    maximum: 60_000,
    default: 1_000,
    description:
      'How often the scheduler looks for due syncs, health checks and retries, and the reaper for lost runs.',
  }),
  SWITCHBOARD_RUN_LEASE_MS: Type.Integer({
    minimum: 1_000,
    maximum: 600_000,
    default: 30_000,
    description:
      'A running run belongs to its worker for this long, renewed every third of it; once expired the run is retried or failed.',
  }),
  SWITCHBOARD_HEALTH_DEGRADED_AT: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 1,
    description: 'Consecutive failures at which a connection reads `degraded`.',
  }),
  SWITCHBOARD_HEALTH_UNHEALTHY_AT: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 3,
    description: 'Consecutive failures at which a connection reads `unhealthy`.',
  }),
  SWITCHBOARD_EVENT_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description:
      'Days an event is kept in the outbox (`GET /api/v1/events`, event consumers) before the scheduler prunes it.',
  }),
  SWITCHBOARD_WEBHOOK_RETENTION_DAYS: Type.Integer({
    minimum: 3,
    maximum: 3650,
    default: 7,
    description:
      'Days a received webhook event is kept (its list, replay, and duplicate detection by the provider’s delivery id) before the scheduler prunes it.',
  }),
  SWITCHBOARD_WEBHOOK_RATE_LIMIT: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 6000,
    description:
      'Deliveries a minute one inbound webhook accepts unless it sets its own `rate_limit_per_minute`; more are answered 429 with Retry-After.',
  }),
  SWITCHBOARD_WEBHOOK_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 26_214_400,
    default: 1_048_576,
    description: 'The largest inbound webhook body accepted (413 above).',
  }),
  SWITCHBOARD_WEBHOOK_LEASE_MS: Type.Integer({
    minimum: 2_000,
    maximum: 600_000,
    default: 60_000,
    description:
      'A received event being processed belongs to its processor for this long (its handler may take four fifths of it); after a crash another process takes it up once it expires.',
  }),
  SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 20,
    default: 5,
    description: 'Attempts at processing a received event (backoff between them) before it ends `failed`.',
  }),
  WEBHOOK_MAX_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 10,
    default: 3,
    description:
      'Outbound webhooks: attempts after the first that a failing delivery gets; an endpoint’s `retry_policy.max_retries` overrides it (0–10).',
  }),
  WEBHOOK_RETRY_DELAY: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 1000,
    description:
      'Outbound webhooks: milliseconds before the first retry; each later one is multiplied by WEBHOOK_BACKOFF_FACTOR, with jitter (between half and all of it), up to a day.',
  }),
  WEBHOOK_BACKOFF_FACTOR: Type.Number({
    minimum: 1,
    maximum: 10,
    default: 2,
    description: 'Outbound webhooks: the factor between one retry delay and the next.',
  }),
  WEBHOOK_TIMEOUT: Type.Integer({
    minimum: 1000,
    maximum: 30_000,
    default: 10_000,
    description:
      'Outbound webhooks: milliseconds a delivery may take (connect to last byte) before it counts as failed.',
  }),
  SWITCHBOARD_WEBHOOK_DELIVERY_LEASE_MS: Type.Integer({
    minimum: 2_000,
    maximum: 600_000,
    default: 60_000,
    description:
      'Outbound webhooks: a message being delivered belongs to its dispatcher for this long (a delivery may take four fifths of it, whatever its timeout), and the fan-out of events to messages to its process; after a crash another process takes over once it expires (a message is sent again with the same webhook-id).',
  }),
  SWITCHBOARD_WEBHOOK_DELIVERY_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description:
      'Days an outbound webhook message and its attempts are kept (deliveries, stats) before the scheduler prunes them.',
  }),
  SWITCHBOARD_SEARCH_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    maximum: 60_000,
    default: 2000,
    description:
      'Federated search: how long each connection’s live search at its provider may take; past it the search answers without it, marked partial.',
  }),
  SWITCHBOARD_DEMO: Type.Boolean({
    default: false,
    description:
      'On the first start of an empty database, add demo connections to the first org and print how to log in. `npm start` turns it on unless set.',
  }),
});

// The same folder whether this file runs as src/config.ts (tsx, tests) or dist/config.js.
const BUILT_WEB_DIR = path.resolve(import.meta.dirname, '..', 'dist', 'web');

export type Settings = Static<typeof settingsSchema>;
export type LogLevelName = Static<typeof LogLevel>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database:
    | { kind: 'sqlite'; file: string }
    | { kind: 'postgres'; url: string; poolMax: number; schema?: string };
  redis?: { url: string; keyPrefix: string };
  logLevel: LogLevelName;
  publicUrl: string;
  corsOrigins: string[];
  /** The built dashboard served at `/` (see platform/http/web-app.ts). */
  webDir: string;
  /** Origins a connect/oauth `return_url` may have. */
  oauthReturnOrigins: string[];
  bodyLimit: number;
  shutdownTimeoutMs: number;
  trustProxy: boolean;
  migrateOnStart: boolean;
  metricsToken?: string;
  auth: {
    jwtSecret?: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    refreshCookie: boolean;
    allowRegistration: boolean;
    /** The first super admin (see modules/auth/bootstrap.ts). */
    admin: { email?: string; password?: string };
  };
  /** Base64 keys of the credential vault; see platform/crypto/key-ring.ts. */
  encryption: { key?: string; oldKeys: string[] };
  apiKeys: { prefix: string; expiryDays: number };
  rateLimits: boolean;
  /** Requests to providers (see platform/outbound/outbound.ts). */
  outbound: OutboundSettings;
  /** Seed demo connections on the first start (see modules/connections/demo-seed.ts). */
  demo: boolean;
  /** Federated search (see modules/search). */
  search: { timeoutMs: number };
  /** The sync engine (see modules/sync). */
  sync: SyncSettings;
  /** The event outbox (see modules/events). */
  events: { retentionDays: number };
  /** Inbound webhooks (see modules/webhooks). */
  webhooks: WebhookSettings;
  /** Outbound webhook deliveries (see modules/webhook-endpoints/dispatcher.ts). */
  webhookDelivery: WebhookDeliverySettings;
}

export interface WebhookDeliverySettings {
  maxRetries: number;
  retryDelayMs: number;
  backoffFactor: number;
  timeoutMs: number;
  retentionDays: number;
  leaseMs: number;
}

export interface WebhookSettings {
  retentionDays: number;
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  maxAttempts: number;
  leaseMs: number;
}

export interface SyncSettings {
  concurrency: number;
  maxRetries: number;
  retryBaseMs: number;
  /** Hours after a completed full sync until a scheduled run is full again (0: always). */
  fullSyncIntervalHours: number;
  tickMs: number;
  leaseMs: number;
  health: { degradedAt: number; unhealthyAt: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeProblem(schema: TSchema, name: string, value: unknown, message: string): string {
  const { enum: allowed, hint, secret } = schema as { enum?: unknown[]; hint?: string; secret?: boolean };
  const what = hint ?? (allowed ? `must be one of ${allowed.join(', ')}` : message);
  // Secret-bearing values (URLs with passwords, tokens) are never echoed into logs.
  return secret ? `${name} ${what}` : `${name} ${what} (got ${JSON.stringify(value)})`;
}

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const properties = settingsSchema.properties as Record<string, TSchema>;
  const raw: Record<string, string> = {};
  for (const name of Object.keys(properties)) {
    const value = env[name];
    // An empty variable means "not set", as shells and .env files commonly produce them.
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const converted = Value.Convert(settingsSchema, Value.Default(settingsSchema, { ...raw }));
  const problems = new Map<string, string>();
  for (const error of Value.Errors(settingsSchema, converted)) {
    const name = error.instancePath.replace(/^\//, '');
    if (!name || problems.has(name)) continue;
    problems.set(name, describeProblem(properties[name] ?? {}, name, raw[name], error.message));
  }
  const settings = converted as Settings;
  if (settings.DATABASE_URL && !problems.has('DATABASE_URL')) {
    // Generated into the data dir in embedded mode; with PostgreSQL, processes must share them.
    for (const name of ['SWITCHBOARD_JWT_SECRET', 'SWITCHBOARD_ENCRYPTION_KEY'] as const) {
      if (!settings[name] && !problems.has(name)) {
        problems.set(name, `${name} must be set when DATABASE_URL is (every process must share it)`);
      }
    }
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
  return toConfig(settings);
}

function toConfig(s: Settings): Config {
  const dataDir = path.resolve(s.SWITCHBOARD_DATA_DIR);
  // Unset, it follows the port the server listens on, and the OAuth return origins follow it.
  const publicUrl = s.SWITCHBOARD_PUBLIC_URL ?? `http://localhost:${s.PORT}`;
  return {
    port: s.PORT,
    host: s.HOST,
    dataDir,
    database: s.DATABASE_URL
      ? { kind: 'postgres', url: s.DATABASE_URL, poolMax: s.DATABASE_POOL_MAX }
      : { kind: 'sqlite', file: path.join(dataDir, 'switchboard.db') },
    redis: s.REDIS_URL ? { url: s.REDIS_URL, keyPrefix: s.REDIS_KEY_PREFIX } : undefined,
    logLevel: s.LOG_LEVEL,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    oauthReturnOrigins: (s.SWITCHBOARD_OAUTH_RETURN_ORIGINS ?? new URL(publicUrl).origin)
      .split(',')
      .map((o) => new URL(o.trim()).origin),
    corsOrigins: s.SWITCHBOARD_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    webDir: path.resolve(s.SWITCHBOARD_WEB_DIR ?? BUILT_WEB_DIR),
    bodyLimit: s.SWITCHBOARD_BODY_LIMIT,
    shutdownTimeoutMs: s.SWITCHBOARD_SHUTDOWN_TIMEOUT_MS,
    trustProxy: s.SWITCHBOARD_TRUST_PROXY,
    migrateOnStart: s.SWITCHBOARD_MIGRATE_ON_START,
    metricsToken: s.SWITCHBOARD_METRICS_TOKEN,
    auth: {
      jwtSecret: s.SWITCHBOARD_JWT_SECRET,
      accessTokenTtlSeconds: s.SWITCHBOARD_ACCESS_TOKEN_TTL,
      refreshTokenTtlDays: s.SWITCHBOARD_REFRESH_TOKEN_TTL_DAYS,
      refreshCookie: s.SWITCHBOARD_REFRESH_COOKIE,
      allowRegistration: s.SWITCHBOARD_ALLOW_REGISTRATION,
      admin: { email: s.SWITCHBOARD_ADMIN_EMAIL?.toLowerCase(), password: s.SWITCHBOARD_ADMIN_PASSWORD },
    },
    encryption: {
      key: s.SWITCHBOARD_ENCRYPTION_KEY,
      oldKeys: (s.SWITCHBOARD_ENCRYPTION_OLD_KEYS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    },
    apiKeys: { prefix: s.API_KEY_PREFIX, expiryDays: s.API_KEY_EXPIRY },
    rateLimits: s.SWITCHBOARD_RATE_LIMITS,
    outbound: {
      allowPrivateNetworks: s.SWITCHBOARD_ALLOW_PRIVATE_NETWORKS,
      maxWaitMs: s.SWITCHBOARD_PROVIDER_MAX_WAIT_MS,
    },
    demo: s.SWITCHBOARD_DEMO,
    search: { timeoutMs: s.SWITCHBOARD_SEARCH_TIMEOUT_MS },
    sync: {
      concurrency: s.SWITCHBOARD_WORKER_CONCURRENCY,
      maxRetries: s.SWITCHBOARD_SYNC_MAX_RETRIES,
      retryBaseMs: s.SWITCHBOARD_SYNC_RETRY_BASE_MS,
      fullSyncIntervalHours: s.SWITCHBOARD_FULL_SYNC_INTERVAL_HOURS,
      tickMs: s.SWITCHBOARD_SCHEDULER_INTERVAL_MS,
      leaseMs: s.SWITCHBOARD_RUN_LEASE_MS,
      health: {
        degradedAt: s.SWITCHBOARD_HEALTH_DEGRADED_AT,
        unhealthyAt: Math.max(s.SWITCHBOARD_HEALTH_UNHEALTHY_AT, s.SWITCHBOARD_HEALTH_DEGRADED_AT),
      },
    },
    events: { retentionDays: s.SWITCHBOARD_EVENT_RETENTION_DAYS },
    webhooks: {
      retentionDays: s.SWITCHBOARD_WEBHOOK_RETENTION_DAYS,
      rateLimitPerMinute: s.SWITCHBOARD_WEBHOOK_RATE_LIMIT,
      maxBodyBytes: s.SWITCHBOARD_WEBHOOK_MAX_BYTES,
      maxAttempts: s.SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS,
      leaseMs: s.SWITCHBOARD_WEBHOOK_LEASE_MS,
    },
    webhookDelivery: {
      maxRetries: s.WEBHOOK_MAX_RETRIES,
      retryDelayMs: s.WEBHOOK_RETRY_DELAY,
      backoffFactor: s.WEBHOOK_BACKOFF_FACTOR,
      timeoutMs: s.WEBHOOK_TIMEOUT,
      retentionDays: s.SWITCHBOARD_WEBHOOK_DELIVERY_RETENTION_DAYS,
      leaseMs: s.SWITCHBOARD_WEBHOOK_DELIVERY_LEASE_MS,
    },
  };
}

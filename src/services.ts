import { connectors as builtInConnectors } from './connectors/registry.js';
import type { Connector } from './connectors/sdk.js';
import type { AppContext } from './context.js';
import { ApiKeyUsage } from './modules/api-keys/usage.js';
import { AccessTokens } from './modules/auth/access-tokens.js';
import { Authenticator } from './modules/auth/authenticator.js';
import { PrincipalCache } from './modules/auth/principal-cache.js';
import { Sessions } from './modules/auth/sessions.js';
import { resolveSigningKey } from './modules/auth/signing-key.js';
import { OAuthTokens } from './modules/connections/oauth-tokens.js';
import { ConnectionSecrets } from './modules/connections/secrets.js';
import { EventService } from './modules/events/service.js';
import { HealthService } from './modules/health/service.js';
import { createRunQueue, type QueueBackend } from './modules/sync/engine.js';
import { SyncService } from './modules/sync/service.js';
import { resolveSecretBox } from './platform/crypto/key-ring.js';
import type { SecretBox } from './platform/crypto/secret-box.js';
import { keyedLock } from './platform/db/keyed-lock.js';
import type { JobQueue } from './platform/queue/job-queue.js';
import { InvalidationBus } from './platform/redis/invalidation.js';

/** The process context and the domain services built on it, handed to every module's routes. */
export interface Services {
  readonly ctx: AppContext;
  readonly accessTokens: AccessTokens;
  readonly sessions: Sessions;
  readonly authenticator: Authenticator;
  readonly apiKeyUsage: ApiKeyUsage;
  /** The current state behind credentials; invalidate it after changing keys, members, users or sessions. */
  readonly principalCache: PrincipalCache;
  readonly invalidation: InvalidationBus;
  /** The connectors the catalog offers: this build's, or a test's fixtures. */
  readonly connectors: readonly Connector[];
  /** Seals connection secrets at rest. */
  readonly secretBox: SecretBox;
  /** OAuth access tokens of connections and users: refreshed when due, revoked at disconnect. */
  readonly oauthTokens: OAuthTokens;
  /** Carries sync run ids to workers (in-process, or BullMQ in scale-out). */
  readonly queue: JobQueue;
  /** Sync runs: trigger, history, cancel, logs. */
  readonly sync: SyncService;
  /** Connection health checks and reports. */
  readonly health: HealthService;
  /** The event outbox: the org's events, consumers reading them after a durable cursor, retention. */
  readonly events: EventService;
}

export function createServices(
  ctx: AppContext,
  connectors: readonly Connector[] = builtInConnectors,
  queueBackend?: QueueBackend,
): Services {
  const { config, database, clock, logger } = ctx;
  const accessTokens = new AccessTokens(
    resolveSigningKey(config, logger),
    config.auth.accessTokenTtlSeconds,
    clock,
  );
  const apiKeyUsage = new ApiKeyUsage(database.db, logger);
  const invalidation = new InvalidationBus(ctx.redis, logger);
  const principalCache = new PrincipalCache(invalidation);
  const secretBox = resolveSecretBox(config, logger);
  const queue = createRunQueue(ctx, queueBackend);
  const oauthTokens = new OAuthTokens(
    database.db,
    new ConnectionSecrets(secretBox),
    keyedLock(database),
    clock,
    logger,
  );
  return {
    oauthTokens,
    events: new EventService(database, invalidation, config.events, clock, logger),
    health: new HealthService(
      database.db,
      connectors,
      new ConnectionSecrets(secretBox),
      // OAuth-backed connections check with their (refreshed) access token.
      (row) => oauthTokens.authFor(row),
      config.sync.health,
      logger,
    ),
    queue,
    sync: new SyncService(database.db, queue, config.sync, (topic) => invalidation.notify(topic), logger),
    ctx,
    accessTokens,
    apiKeyUsage,
    principalCache,
    invalidation,
    connectors,
    secretBox,
    sessions: new Sessions(database.db, accessTokens, config.auth, clock, principalCache),
    authenticator: new Authenticator(
      database.db,
      accessTokens,
      apiKeyUsage,
      principalCache,
      config.apiKeys.prefix,
      clock,
    ),
  };
}

/** Writes what services hold in memory (API key usage counts). */
export async function closeServices(services: Services): Promise<void> {
  await services.apiKeyUsage.close();
  await services.queue.close();
  await services.events.close();
  services.invalidation.close();
}

import { connectors as builtInConnectors } from './connectors/registry.js';
import type { Connector } from './connectors/sdk.js';
import type { AppContext } from './context.js';
import { ActionService } from './modules/actions/service.js';
import { ApiKeyService } from './modules/api-keys/service.js';
import { ApiKeyUsage } from './modules/api-keys/usage.js';
import { AuditService } from './modules/audit/service.js';
import { AccessTokens } from './modules/auth/access-tokens.js';
import { Authenticator } from './modules/auth/authenticator.js';
import { PrincipalCache } from './modules/auth/principal-cache.js';
import { AuthService } from './modules/auth/service.js';
import { Sessions } from './modules/auth/sessions.js';
import { resolveSigningKey } from './modules/auth/signing-key.js';
import { CatalogService } from './modules/catalog/service.js';
import { ConnectionSecrets } from './modules/connections/secrets.js';
import { ConnectionService } from './modules/connections/service.js';
import { OAuthService } from './modules/credentials/oauth.js';
import { OAuthTokens } from './modules/credentials/oauth-tokens.js';
import { CredentialService } from './modules/credentials/service.js';
import { UserCredentialService } from './modules/credentials/user-credentials.js';
import { DashboardService } from './modules/dashboard/service.js';
import { EventService } from './modules/events/service.js';
import { HealthService } from './modules/health/service.js';
import { InvitationService } from './modules/invitations/service.js';
import { MemberService } from './modules/members/service.js';
import { OrgService } from './modules/orgs/service.js';
import { LiveSearch } from './modules/search/live.js';
import { SearchService } from './modules/search/service.js';
import { EvidenceService } from './modules/sync/api/evidence.js';
import { PreviewService } from './modules/sync/api/preview.js';
import { SyncService } from './modules/sync/api/service.js';
import { createRunQueue, type QueueBackend } from './modules/sync/engine/engine.js';
import { TeamService } from './modules/teams/service.js';
import { UserService } from './modules/users/service.js';
import { DeliveryService } from './modules/webhook-endpoints/deliveries.js';
import { DeliveryMetrics } from './modules/webhook-endpoints/delivery-metrics.js';
import { WEBHOOK_MESSAGES_TOPIC, WebhookDispatcher } from './modules/webhook-endpoints/dispatcher.js';
import { EventTypeService } from './modules/webhook-endpoints/event-types.js';
import { WebhookFanOut } from './modules/webhook-endpoints/fan-out.js';
import { EventPublisher } from './modules/webhook-endpoints/publish.js';
import { WebhookEndpointService } from './modules/webhook-endpoints/service.js';
import { WebhookProcessor } from './modules/webhooks/processor.js';
import { rateGate } from './modules/webhooks/rate-gate.js';
import { WebhookReceiver } from './modules/webhooks/receiver.js';
import { WebhookService } from './modules/webhooks/service.js';
import { processorWaker, WEBHOOK_EVENTS_TOPIC } from './modules/webhooks/wake.js';
import { WidgetService } from './modules/widgets/service.js';
import { resolveSecretBox } from './platform/crypto/key-ring.js';
import type { SecretBox } from './platform/crypto/secret-box.js';
import { keyedLock } from './platform/db/keyed-lock.js';
import { createOutbound, type Outbound } from './platform/outbound/outbound.js';
import type { JobQueue } from './platform/queue/job-queue.js';
import { InvalidationBus } from './platform/redis/invalidation.js';

/** The process context and the domain services built on it, handed to every module's routes. */
export interface Services {
  readonly ctx: AppContext;
  readonly accessTokens: AccessTokens;
  readonly sessions: Sessions;
  readonly authenticator: Authenticator;
  readonly apiKeyUsage: ApiKeyUsage;
  /** Registration, login, refresh, logout, the caller's identity, switching org. */
  readonly auth: AuthService;
  /** Organisations themselves: create, read, settings. */
  readonly orgs: OrgService;
  /** An org's members: list, role changes, removal. */
  readonly members: MemberService;
  /** Invitations to join an org, and their acceptance. */
  readonly invitations: InvitationService;
  /** The people of an org and their accounts. */
  readonly users: UserService;
  readonly teams: TeamService;
  readonly apiKeys: ApiKeyService;
  /** The org's audit trail as the API reads it (mutations write it with recordAudit). */
  readonly audit: AuditService;
  /** The current state behind credentials; invalidate it after changing keys, members, users or sessions. */
  readonly principalCache: PrincipalCache;
  readonly invalidation: InvalidationBus;
  /** What every request to a provider goes through: the SSRF guard and rate-limit pacing. */
  readonly outbound: Outbound;
  /** The connectors the catalog offers: this build's, or a test's fixtures. */
  readonly connectors: readonly Connector[];
  /** Seals connection secrets at rest. */
  readonly secretBox: SecretBox;
  /** OAuth access tokens of connections and users: refreshed when due, revoked at disconnect. */
  readonly oauthTokens: OAuthTokens;
  /** The integration catalog, and its administration by the platform. */
  readonly catalog: CatalogService;
  /** The org's connections: CRUD, test, enable, disable. */
  readonly connections: ConnectionService;
  /** Connect flows with credentials the client sends, their status, disconnect. */
  readonly credentials: CredentialService;
  /** The OAuth connect flow, for a connection's credential or a user's own. */
  readonly oauth: OAuthService;
  /** Users' own credentials for the org's connections. */
  readonly userCredentials: UserCredentialService;
  /** Carries sync run ids to workers (in-process, or BullMQ in scale-out). */
  readonly queue: JobQueue;
  /** Sync runs: trigger, history, cancel, logs. */
  readonly sync: SyncService;
  /** Each connection's preview of its synced data. */
  readonly previews: PreviewService;
  /** Connectors' actions on connections (post a message, start a scan). */
  readonly actions: ActionService;
  /** Connections' inbound webhooks: management, received events, replay. */
  readonly webhooks: WebhookService;
  /** The public receiver of webhook deliveries. */
  readonly webhookReceiver: WebhookReceiver;
  /** Processes received events (started by the processes that run background work). */
  readonly webhookProcessor: WebhookProcessor;
  /** The dashboard (endpoints #23–#24): counts over connections, runs and received webhooks. */
  readonly dashboard: DashboardService;
  /** A connection's widgets: its status, recent activity and stored records. */
  readonly widgets: WidgetService;
  /** Federated search over the connections' stored records and their providers' live search. */
  readonly search: SearchService;
  /** The evidence each connection's syncs collected. */
  readonly evidence: EvidenceService;
  /** Connection health checks and reports. */
  readonly health: HealthService;
  /** The event outbox: the org's events, consumers reading them after a durable cursor, retention. */
  readonly events: EventService;
  /** Switchboard's event catalogue and the org's declared event types. */
  readonly eventTypes: EventTypeService;
  /** Events an org publishes of its declared types (POST /events). */
  readonly eventPublisher: EventPublisher;
  /** The org's outbound webhook endpoints: management, secret rotation, test sends. */
  readonly webhookEndpoints: WebhookEndpointService;
  /** Outbox consumer queuing a message per event and subscribed endpoint (started with background work). */
  readonly webhookFanOut: WebhookFanOut;
  /** Delivers queued outbound webhook messages (started by the processes that run background work). */
  readonly webhookDispatcher: WebhookDispatcher;
  /** Outbound deliveries as the API shows them: history, redelivery, recovery, stats, retention. */
  readonly webhookDeliveries: DeliveryService;
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
  const sessions = new Sessions(database.db, accessTokens, config.auth, clock, principalCache);
  const secrets = new ConnectionSecrets(secretBox);
  const oauthTokens = new OAuthTokens(database.db, secrets, keyedLock(database), clock, logger);
  // OAuth-backed connections test and check with their (refreshed) access token.
  const auth = oauthTokens.authFor.bind(oauthTokens);
  const outbound = createOutbound(config.outbound);
  const catalog = new CatalogService(database.db, connectors, logger, outbound);
  const connections = new ConnectionService(
    database.db,
    secrets,
    connectors,
    catalog,
    logger,
    auth,
    outbound,
  );
  const sync = new SyncService(
    database.db,
    queue,
    config.sync,
    (topic) => invalidation.notify(topic),
    logger,
  );
  const webhookProcessor = new WebhookProcessor({
    db: database.db,
    connectors,
    secrets,
    auth,
    outbound,
    triggerSync: (orgId, connectionId, now) => sync.triggerByWebhook(orgId, connectionId, now),
    settings: config.webhooks,
    clock,
    logger,
  });
  invalidation.on(WEBHOOK_EVENTS_TOPIC, () => webhookProcessor.wake());
  const wakeProcessors = processorWaker(invalidation, () => webhookProcessor.wake());
  const events = new EventService(database, invalidation, config.events, clock, logger);
  const eventTypes = new EventTypeService(database.db);
  const webhookDispatcher = new WebhookDispatcher({
    db: database.db,
    box: secretBox,
    outbound,
    settings: config.webhookDelivery,
    allowHttp: config.outbound.allowPrivateNetworks,
    metrics: new DeliveryMetrics(ctx.metrics.registry),
    clock,
    logger,
  });
  invalidation.on(WEBHOOK_MESSAGES_TOPIC, () => webhookDispatcher.wake());
  // Messages queued in an API process (test sends, redeliveries) wake the workers' dispatchers too.
  const wakeDispatcher = () => void invalidation.notify(WEBHOOK_MESSAGES_TOPIC);
  return {
    eventTypes,
    eventPublisher: new EventPublisher(database.db, eventTypes),
    webhookEndpoints: new WebhookEndpointService(
      database.db,
      secretBox,
      outbound,
      eventTypes,
      config.outbound.allowPrivateNetworks,
      wakeDispatcher,
    ),
    webhookFanOut: new WebhookFanOut(
      events,
      database.db,
      clock,
      wakeDispatcher,
      config.webhookDelivery.leaseMs,
    ),
    webhookDispatcher,
    webhookDeliveries: new DeliveryService(database.db, wakeDispatcher, config.webhookDelivery.retentionDays),
    webhooks: new WebhookService(
      database.db,
      connectors,
      secretBox,
      config.publicUrl,
      wakeProcessors,
      config.webhooks.retentionDays,
    ),
    webhookReceiver: new WebhookReceiver(
      database.db,
      connectors,
      secretBox,
      rateGate(config.webhooks.rateLimitPerMinute, () => clock.now().getTime(), ctx.redis),
      logger,
      wakeProcessors,
    ),
    webhookProcessor,
    outbound,
    oauthTokens,
    catalog,
    connections,
    credentials: new CredentialService(database.db, connections, oauthTokens),
    oauth: new OAuthService(
      database.db,
      connections,
      secretBox,
      secrets,
      { publicUrl: config.publicUrl, returnOrigins: config.oauthReturnOrigins },
      logger,
    ),
    userCredentials: new UserCredentialService(database.db, connections, oauthTokens),
    events,
    health: new HealthService(
      database.db,
      connections,
      connectors,
      secrets,
      auth,
      config.sync.health,
      logger,
      outbound,
    ),
    queue,
    previews: new PreviewService(database.db, connectors),
    evidence: new EvidenceService(database.db),
    dashboard: new DashboardService(database.db, connections),
    widgets: new WidgetService(database.db, connections),
    search: new SearchService(
      database.db,
      connections,
      new LiveSearch({
        db: database.db,
        connectors,
        secrets,
        credentials: oauthTokens,
        outbound,
        logger,
        timeoutMs: config.search.timeoutMs,
      }),
      clock,
    ),
    actions: new ActionService(database.db, connectors, secrets, auth, outbound, logger),
    sync,
    ctx,
    accessTokens,
    apiKeyUsage,
    principalCache,
    invalidation,
    connectors,
    secretBox,
    sessions,
    auth: new AuthService(database.db, sessions, accessTokens, config.auth.allowRegistration),
    orgs: new OrgService(database.db),
    members: new MemberService(database.db, sessions, principalCache),
    invitations: new InvitationService(database.db, sessions, config.publicUrl),
    users: new UserService(database.db, sessions, principalCache),
    teams: new TeamService(database.db),
    apiKeys: new ApiKeyService(database.db, principalCache, config.apiKeys),
    audit: new AuditService(database.db),
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
  await services.webhookProcessor.stop();
  await services.webhookDispatcher.stop();
  await services.apiKeyUsage.close();
  await services.queue.close();
  await services.events.close();
  services.invalidation.close();
}

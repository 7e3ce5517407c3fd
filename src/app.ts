import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type onRouteHookHandler,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Connector } from './connectors/sdk.js';
import { connectorIcon } from './connectors/toolkit/icon.js';
import type { AppContext } from './context.js';
import { actionRoutes } from './modules/actions/routes.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { auditRoutes } from './modules/audit/routes.js';
import { callerKeyOf, registerGuard } from './modules/auth/guard.js';
import { authRoutes } from './modules/auth/routes.js';
import { catalogAdminRoutes } from './modules/catalog/admin-routes.js';
import { catalogRoutes } from './modules/catalog/routes.js';
import { connectionRoutes } from './modules/connections/routes.js';
import { connectRoutes } from './modules/credentials/routes.js';
import { userConnectRoutes } from './modules/credentials/user-routes.js';
import { dashboardRoutes } from './modules/dashboard/routes.js';
import { eventRoutes } from './modules/events/routes.js';
import { healthRoutes } from './modules/health/routes.js';
import { invitationRoutes } from './modules/invitations/routes.js';
import { registerLiveUpdates } from './modules/live/live-updates.js';
import { memberRoutes } from './modules/members/routes.js';
import { orgRoutes } from './modules/orgs/routes.js';
import { searchRoutes } from './modules/search/routes.js';
import { documentPreviews } from './modules/sync/api/preview-document.js';
import { syncRoutes } from './modules/sync/api/routes.js';
import type { QueueBackend } from './modules/sync/engine/engine.js';
import { systemRoutes } from './modules/system/routes.js';
import { teamRoutes } from './modules/teams/routes.js';
import { userRoutes } from './modules/users/routes.js';
import { deliveryRoutes } from './modules/webhook-endpoints/delivery-routes.js';
import { eventTypeRoutes } from './modules/webhook-endpoints/event-type-routes.js';
import { publishRoutes } from './modules/webhook-endpoints/publish-routes.js';
import { webhookEndpointRoutes } from './modules/webhook-endpoints/routes.js';
import { webhookReceiveRoutes } from './modules/webhooks/receive-routes.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { widgetRoutes } from './modules/widgets/routes.js';
import { registerCompression } from './platform/http/compression.js';
import { parserRefusal, registerErrorHandling, routerRefusal } from './platform/http/error-handler.js';
import { registerIcons } from './platform/http/icons.js';
import { registerJsonBodyParser } from './platform/http/json-body.js';
import { registerOpenApi } from './platform/http/openapi.js';
import type { LimitName } from './platform/http/ratelimit/limits.js';
import { limitScope, registerRateLimiting } from './platform/http/ratelimit/register.js';
import { REQUEST_ID_HEADER, requestIdFor } from './platform/http/request-id.js';
import { checkSecretParams, RequestObserver } from './platform/http/request-observer.js';
import { registerCors, securityHeaders } from './platform/http/security-headers.js';
import { createValidatorCompiler, lazySerializers } from './platform/http/validation.js';
import { registerWebApp } from './platform/http/web-app.js';
import { LazyChildLogger } from './platform/logging/lazy-child-logger.js';
import { closeServices, createServices, type Services } from './services.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A module's routes: registered under /api/v1 with the services. */
export type ModuleRoutes = (app: App, services: Services) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The domain services. */
    services: Services;
  }
}

export interface AppOptions {
  /** `api` serves the whole API; `ops` only liveness, readiness and metrics (worker processes). */
  surface: 'api' | 'ops';
  /** Extra routes registered after the modules (tests use it to exercise the shared conventions). */
  extraRoutes?: ModuleRoutes;
  /** The connectors to offer instead of this build's registry (tests use fixtures). */
  connectors?: readonly Connector[];
  /** The run queue; by default BullMQ when Redis is configured (tests run both). */
  queueBackend?: QueueBackend;
  /** Sees every route as it is registered (tests walk the whole route table with it). */
  onRoute?: onRouteHookHandler;
}

/**
 * The modules, each with the rate-limit class of its routes (integration-provider-api.md, "Rate
 * Limiting"); a route that declares its own `config.limit` keeps it.
 */
const apiModules: [ModuleRoutes, LimitName?][] = [
  [authRoutes],
  [orgRoutes],
  [memberRoutes],
  [invitationRoutes],
  [userRoutes],
  [teamRoutes],
  [apiKeyRoutes],
  [auditRoutes],
  [catalogRoutes, 'integration'],
  [catalogAdminRoutes, 'provider'],
  [connectionRoutes, 'integration'],
  [connectRoutes, 'connection'],
  [userConnectRoutes, 'connection'],
  [healthRoutes, 'integration'],
  [syncRoutes, 'integration'],
  [dashboardRoutes, 'integration'],
  [searchRoutes, 'search'],
  [widgetRoutes, 'widget'],
  [actionRoutes, 'connection'],
  [webhookRoutes, 'connection'],
  // Counted per webhook by the receiver itself (its rate is each webhook's own).
  [webhookReceiveRoutes],
  [eventRoutes],
  [eventTypeRoutes],
  [publishRoutes],
  [webhookEndpointRoutes],
  [deliveryRoutes],
];

/** The static security headers and the request id, in one hook: each hook costs (bench/http). */
function registerResponseHeaders(app: App, headers: Record<string, string>): void {
  app.addHook('onRequest', (request, reply, done) => {
    // Among Fastify's reply headers, so a route that sets one of them (the /docs page's CSP) wins.
    // Handed to Node in one writeHead, this measured cheaper than setHeader on the raw response,
    // which Node validates and stores one by one and then merges with Fastify's (bench/http).
    reply.headers(headers);
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}

/**
 * Node's server.close() only drops connections idle at that instant; a keep-alive connection whose
 * request was in flight would then hold shutdown for the whole keep-alive timeout. Node reads the
 * timeout when a response finishes, so shrinking it at close ends those connections once served.
 */
function endKeepAliveOnClose(app: App): void {
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });
}

export async function buildApp(ctx: AppContext, options: AppOptions = { surface: 'api' }): Promise<App> {
  const headers = securityHeaders();
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new RequestObserver(ctx.metrics, ctx.logger.isLevelEnabled('debug')),
    genReqId: requestIdFor,
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options),
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: ctx.config.trustProxy,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers() } },
    // Requests refused before any route or hook runs answer with the envelope and headers too.
    frameworkErrors: routerRefusal(headers),
    clientErrorHandler: parserRefusal(ctx.logger, headers),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so that it sees every route, whichever scope registers it.
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.addHook('onRoute', checkSecretParams);
  app.setValidatorCompiler(createValidatorCompiler());
  registerResponseHeaders(app, headers);
  endKeepAliveOnClose(app);
  registerErrorHandling(app);
  registerJsonBodyParser(app);
  await registerCompression(app);
  await registerCors(app, ctx.config.corsOrigins);
  if (options.surface === 'api') {
    // Read when the document is served, once the services below exist.
    await registerOpenApi(app, ctx.config.publicUrl, (document) =>
      documentPreviews(document, app.services.connectors),
    );
  }
  await systemRoutes(app, ctx);
  // Worker processes need the services too (the sync engine runs on them), not the routes.
  const services = createServices(ctx, options.connectors, options.queueBackend);
  app.decorate('services', services);
  app.addHook('onClose', () => closeServices(services));
  if (options.surface === 'api') {
    await app.register(
      async (api) => {
        registerGuard(api, services.authenticator);
        await registerRateLimiting(api, ctx, callerKeyOf);
        for (const [routes, limit] of apiModules) {
          // Each module in a scope of its own, which gives its routes their rate-limit class.
          await api.register(async (scope) => {
            if (limit) limitScope(scope, limit);
            await routes(scope as App, services);
          });
        }
        if (options.extraRoutes) await options.extraRoutes(api as App, services);
      },
      { prefix: '/api/v1' },
    );
    registerIcons(app, connectorIcon);
    await registerWebApp(app, { dir: ctx.config.webDir, publicUrl: ctx.config.publicUrl });
    registerLiveUpdates(app as App, services);
  }
  await app.ready();
  return app;
}

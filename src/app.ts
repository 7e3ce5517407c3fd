import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { AppContext } from './context.js';
import { systemRoutes } from './modules/system/routes.js';
import { registerErrorHandling } from './platform/http/error-handler.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { REQUEST_ID_HEADER, requestIdFor } from './platform/http/request-id.js';
import { registerSecurityHeaders } from './platform/http/security-headers.js';
import { createValidatorCompiler } from './platform/http/validation.js';
import { RequestLog } from './platform/logging/request-log.js';
import { registerHttpMetrics } from './platform/metrics/metrics.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A module's routes: registered under /api/v1 with the process context. */
export type ModuleRoutes = (app: App, ctx: AppContext) => Promise<void>;

export interface AppOptions {
  /** `api` serves the whole API; `ops` only liveness, readiness and metrics (worker processes). */
  surface: 'api' | 'ops';
  /** Extra routes registered after the modules (tests use it to exercise the shared conventions). */
  extraRoutes?: ModuleRoutes;
}

const apiModules: ModuleRoutes[] = [];

/**
 * Node's server.close() only drops connections idle at that instant; a keep-alive connection whose
 * request was in flight would then hold shutdown for the whole keep-alive timeout. Answering those
 * last requests with `Connection: close` ends them as soon as they are served.
 */
function closeConnectionsWhenShuttingDown(app: App): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

export async function buildApp(ctx: AppContext, options: AppOptions = { surface: 'api' }): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new RequestLog(),
    genReqId: requestIdFor,
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: ctx.config.trustProxy,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  registerHttpMetrics(app, ctx.metrics);
  closeConnectionsWhenShuttingDown(app);
  registerErrorHandling(app);
  await registerSecurityHeaders(app, ctx.config.corsOrigins);
  if (options.surface === 'api') await registerOpenApi(app, ctx.config.publicUrl);
  await systemRoutes(app, ctx);
  if (options.surface === 'api') {
    await app.register(
      async (api) => {
        for (const routes of apiModules) await routes(api as App, ctx);
        if (options.extraRoutes) await options.extraRoutes(api as App, ctx);
      },
      { prefix: '/api/v1' },
    );
  }
  await app.ready();
  return app;
}

import closeWithGrace from 'close-with-grace';
import { type App, type AppOptions, buildApp } from './app.js';
import type { Config } from './config.js';
import { connectors } from './connectors/registry.js';
import type { AppContext } from './context.js';
import { type AdminCreated, bootstrapAdmin, describeAdmin } from './modules/auth/bootstrap.js';
import { syncCatalog } from './modules/catalog/service.js';
import { describeDemo, seedDemoConnections } from './modules/connections/demo-seed.js';
import { backgroundTasks } from './modules/sync/engine/background.js';
import { createSyncWorker } from './modules/sync/engine/engine.js';
import { createLogger, type Logger } from './platform/logging/logger.js';
import { closeContext, openContext } from './runtime.js';
import { VERSION } from './version.js';

/**
 * What a process runs. `serve` is the embedded all-in-one process; in scale-out, `api` processes
 * serve HTTP and `worker` processes run background work, exposing only health and metrics.
 */
export type Role = 'serve' | 'api' | 'worker';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  url: string;
  /** Stops accepting, lets in-flight requests finish, closes pools. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  extraRoutes?: AppOptions['extraRoutes'];
}

export async function startServer(
  role: Role,
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const ctx = openContext(config, logger);
  try {
    let admin: AdminCreated | null = null;
    if (role !== 'worker' && config.migrateOnStart) {
      const applied = await ctx.database.migrate();
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
    if (role !== 'worker') {
      const catalog = await syncCatalog(ctx.database.db, connectors, ctx.clock.now());
      if (catalog.shadowed.length > 0)
        logger.warn(
          { slugs: catalog.shadowed },
          'connectors not in the catalog: an admin-created entry holds their slug',
        );
      admin = await bootstrapAdmin(ctx.database.db, config.auth.admin, ctx.clock.now());
      // Printed, not logged: a generated password must reach the operator once and never a log store.
      if (admin) process.stdout.write(describeAdmin(admin));
    }
    const app = await buildApp(ctx, {
      surface: role === 'worker' ? 'ops' : 'api',
      extraRoutes: options.extraRoutes,
    });
    // Only when this start created the admin, i.e. the database was empty; seeded before listening
    // so the first request already sees the demo.
    const demo =
      admin && !admin.promoted && config.demo
        ? await seedDemoConnections(
            ctx.database.db,
            app.services.connections,
            app.services.sync,
            admin,
            ctx.clock,
          )
        : undefined;
    // `serve` and `worker` execute runs and tick the scheduler; `api` only queues runs.
    const worker = role === 'api' ? undefined : createSyncWorker(app.services, backgroundTasks(app.services));
    worker?.start();
    if (worker) app.services.webhookProcessor.start();
    if (worker) app.services.webhookFanOut.start();
    if (worker) app.services.webhookDispatcher.start();
    // Where the API is served, so are live updates (any such process may emit for all of them).
    app.live?.start();
    const url = await app.listen({ port: config.port, host: config.host });
    logger.info(
      { role, version: VERSION, url, database: ctx.database.dialect, redis: Boolean(ctx.redis) },
      'switchboard started',
    );
    if (admin && demo) process.stdout.write(describeDemo(url, admin, demo));
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await worker?.stop();
        await app.close();
        await closeContext(ctx);
      })();
      return stopping;
    };
    return { app, ctx, url, stop };
  } catch (error) {
    await closeContext(ctx);
    throw error;
  }
}

/** Runs until SIGTERM/SIGINT, then shuts down within the configured bound and exits 0. */
export async function runUntilSignalled(role: Role, config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const server = await startServer(role, config, { logger });
  closeWithGrace(
    {
      delay: config.shutdownTimeoutMs,
      logger: { error: (message: string) => logger.error(message) },
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'fatal error, shutting down');
      else logger.info({ signal }, 'shutting down');
      await server.stop();
      logger.info('stopped');
    },
  );
}

import { Writable } from 'node:stream';
import { type App, type AppOptions, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { connectors } from '../../src/connectors/registry.js';
import type { AppContext } from '../../src/context.js';
import { syncCatalog } from '../../src/modules/catalog/service.js';
import { backgroundTasks } from '../../src/modules/sync/engine/background.js';
import { createSyncWorker } from '../../src/modules/sync/engine/engine.js';
import type { SyncWorker } from '../../src/modules/sync/engine/worker.js';
import type { Clock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { closeContext, openContext } from '../../src/runtime.js';
import { suiteDatabase, type TestDatabase, tempDir } from './databases.js';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, uniqueName } from './env.js';

/** Log lines a test can read back, parsed. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line));
    }
    done();
  }

  text(): string {
    return this.raw.join('\n');
  }
}

export interface TestApp {
  app: App;
  /** The background worker, when asked for: consumes the queue; ticks only when the test calls `tick()`. */
  worker?: SyncWorker;
  ctx: AppContext;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface TestAppOptions extends Partial<AppOptions> {
  env?: Record<string, string>;
  /** Adjust the loaded config (e.g. point Redis somewhere). */
  config?: (config: Config) => Config;
  database?: TestDatabase;
  migrate?: boolean;
  clock?: Clock;
  /** Run a sync worker in the process (ticks left to the test). */
  worker?: boolean;
}

export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await suiteDatabase());
  const base = loadConfig({
    SWITCHBOARD_DATA_DIR: tempDir(),
    LOG_LEVEL: 'debug',
    REDIS_KEY_PREFIX: `${uniqueName('sbtest')}:`,
    SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
    SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    // Provider fakes listen on loopback; the SSRF guard's own tests turn this off.
    SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
    ...options.env,
  });
  const config = (options.config ?? ((c) => c))({ ...base, database: database.options });
  const logs = new LogCapture();
  const ctx = openContext(config, createLogger(config.logLevel, logs), options.clock);
  if (options.migrate !== false) {
    await ctx.database.migrate();
    await syncCatalog(ctx.database.db, options.connectors ?? connectors, ctx.clock.now());
  }
  const app = await buildApp(ctx, {
    surface: options.surface ?? 'api',
    extraRoutes: options.extraRoutes,
    connectors: options.connectors,
    queueBackend: options.queueBackend,
    onRoute: options.onRoute,
  });
  const worker = options.worker ? createSyncWorker(app.services, backgroundTasks(app.services)) : undefined;
  worker?.start({ tick: false });
  if (worker) app.services.webhookProcessor.start();
  if (worker) app.services.webhookFanOut.start();
  if (worker) app.services.webhookDispatcher.start();
  return {
    app,
    ctx,
    logs,
    worker,
    async close() {
      await worker?.stop();
      await app.close();
      await closeContext(ctx);
      await database.drop();
    },
  };
}

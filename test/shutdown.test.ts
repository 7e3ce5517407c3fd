import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { startServer } from '../src/server.js';
import { LogCapture } from './helpers/app.js';
import { suiteDatabase, tempDir } from './helpers/databases.js';
import { TEST_JWT_SECRET } from './helpers/env.js';

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, refuses new connections, and closes the database', async () => {
    const db = await suiteDatabase();
    const config = {
      ...loadConfig({
        SWITCHBOARD_DATA_DIR: tempDir(),
        PORT: '0',
        HOST: '127.0.0.1',
        SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
      }),
      database: db.options,
    };
    let release!: () => void;
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => {
      arrived = r;
    });
    const server = await startServer('api', config, {
      logger: createLogger('info', new LogCapture()),
      extraRoutes: async (app) => {
        app.get('/slow', { config: { access: 'public' } }, async () => {
          arrived();
          await new Promise<void>((r) => {
            release = r;
          });
          return { data: { finished: true } };
        });
      },
    });
    try {
      const inFlight = fetch(`${server.url}/api/v1/slow`);
      await requestArrived;
      const stopped = server.stop();
      // Give the close a chance to start before releasing the request it must wait for.
      await new Promise((r) => setImmediate(r));
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      release();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { finished: true } });
      await stopped;
      await expect(server.ctx.database.ping()).rejects.toThrow();
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});

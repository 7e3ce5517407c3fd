import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { startServer } from '../../src/server.js';
import { LogCapture } from '../helpers/app.js';
import { suiteDatabase, tempDir } from '../helpers/databases.js';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../helpers/env.js';
import { seedUser } from '../helpers/identity.js';
import { LiveClient } from './client.js';
import { createConnection, demoDefinitionId } from './fixture.js';

describe('live updates in a process that serves the API', () => {
  it('run from the start, and on shutdown drop sockets so that clients reconnect elsewhere', async () => {
    const db = await suiteDatabase();
    const config = {
      ...loadConfig({
        SWITCHBOARD_DATA_DIR: tempDir(),
        PORT: '0',
        HOST: '127.0.0.1',
        SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
        SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      }),
      database: db.options,
    };
    const server = await startServer('api', config, { logger: createLogger('info', new LogCapture()) });
    const client = (user: Awaited<ReturnType<typeof seedUser>>) =>
      new LiveClient(server.url, { token: user.tokens.access_token, org_id: user.orgId });
    let live: LiveClient | undefined;
    try {
      const t = { app: server.app, ctx: server.ctx, logs: new LogCapture(), close: server.stop };
      const alice = await seedUser(t);
      live = client(alice);
      await live.connected();
      const created = await createConnection(t, alice, await demoDefinitionId(t));
      await live.eventWithId(created.id);

      const dropped = new Promise<string>((resolve) => live?.socket.once('disconnect', resolve));
      await server.stop();
      // Not a goodbye ("io server disconnect"), after which a client would stay away.
      expect(await dropped).toBe('transport close');
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      live?.close();
      await server.stop();
      await db.drop();
    }
  });
});

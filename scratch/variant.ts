import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { openContext } from '../src/runtime.js';

const v = process.argv[2]!;
if (v.includes('noRL')) process.env.NO_RL = '1';
if (v.includes('noOA')) process.env.NO_OA = '1';
let url: string;
if (v === 'bare') {
  const app = Fastify();
  app.get('/healthz', async () => ({ data: { status: 'ok' } }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
} else {
  const config = loadConfig({
    ...process.env,
    SWITCHBOARD_DATA_DIR: `/tmp/sbv-${process.pid}`,
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  const ctx = openContext(config, createLogger(config.logLevel));
  await ctx.database.migrate();
  const app = await buildApp(ctx, { surface: v.startsWith('ops') ? 'ops' : 'api' });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
}
process.stdout.write(JSON.stringify({ msg: 'listening', url }) + '\n');

// Entry point of a benchmark server process: `bare` is Fastify with one route and nothing else,
// `app` is Switchboard's full stack (request ids, security headers, logging, metrics, error handling).
import Fastify from 'fastify';
import { tuneHeapForServing } from '../../src/platform/heap-tuning.js';

const mode = process.argv[2];

// Exit normally on a signal, so that --cpu-prof and similar flags get to write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

async function main() {
  if (mode === 'bare') {
    const app = Fastify();
    app.get('/healthz', async () => ({ data: { status: 'ok' } }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    process.stdout.write(`${JSON.stringify({ msg: 'listening', url })}\n`);
    return;
  }
  // As `switchboard serve` starts it: the heap tuned before the server's modules load.
  tuneHeapForServing();
  const [{ buildApp }, { loadConfig }, { createLogger }, { openContext }] = await Promise.all([
    import('../../src/app.js'),
    import('../../src/config.js'),
    import('../../src/platform/logging/logger.js'),
    import('../../src/runtime.js'),
  ]);
  const config = loadConfig(process.env);
  const ctx = openContext(config, createLogger(config.logLevel));
  await ctx.database.migrate();
  const app = await buildApp(ctx);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error}\n`);
  process.exit(1);
});

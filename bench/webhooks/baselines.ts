// Entry point of a baseline receiver process, each on POST /hook, signed with BENCH_SECRET:
// `bare` is a Fastify route that reads the raw body and verifies its HMAC, nothing else;
// `diy` is the receiver a team would write: Express, the HMAC verified, each event `queue.add()`ed
// to BullMQ (Redis at BENCH_REDIS_URL, keys under BENCH_QUEUE_PREFIX), then 200.
import { Queue } from 'bullmq';
import express from 'express';
import Fastify from 'fastify';
import { DIY_QUEUE } from './diy-queue.js';
import { SIGNATURE_HEADER, verified } from './event.js';

// Exit normally on a signal, so that --cpu-prof and similar flags get to write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const listening = (url: string) => process.stdout.write(`${JSON.stringify({ msg: 'listening', url })}\n`);

async function bare(secret: string) {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/hook', async (request, reply) => {
    const header = request.headers[SIGNATURE_HEADER];
    const ok = Buffer.isBuffer(request.body) && verified(secret, request.body, header?.toString());
    return reply.code(ok ? 200 : 401).send(ok ? { ok: true } : { error: 'bad signature' });
  });
  listening(await app.listen({ port: 0, host: '127.0.0.1' }));
}

async function diy(secret: string) {
  const queue = new Queue(DIY_QUEUE, {
    connection: { url: setting('BENCH_REDIS_URL') },
    prefix: setting('BENCH_QUEUE_PREFIX'),
  });
  const app = express();
  app.post('/hook', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || !verified(secret, req.body, req.get(SIGNATURE_HEADER))) {
      res.status(401).json({ error: 'bad signature' });
      return;
    }
    const deliveryId = req.get('idempotency-key');
    // The delivery id as the job id: BullMQ drops a provider's retry of a delivery it holds.
    await queue.add(
      'event',
      { headers: req.headers, payload: JSON.parse(req.body.toString('utf8')), received_at: Date.now() },
      deliveryId ? { jobId: deliveryId } : {},
    );
    res.status(200).json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    listening(`http://127.0.0.1:${address.port}`);
  });
}

const secret = setting('BENCH_SECRET');
const mode = process.argv[2];
const start = mode === 'bare' ? bare : mode === 'diy' ? diy : undefined;
if (!start) throw new Error(`unknown baseline "${mode}"`);
start(secret).catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';

/** A delivery as the receiver got it, and whether each verifier accepted it. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Per secret given to the receiver: did `standardwebhooks` and `svix` verify the delivery with it? */
  verified: { standard: boolean; svix: boolean }[];
}

/** An answer: a status with headers and body, or `hang` (never answered until the receiver closes). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

function verifies(verify: () => unknown): boolean {
  try {
    verify();
    return true;
  } catch {
    return false;
  }
}

/**
 * A local webhook receiver (node:http) that checks every delivery's signatures the way a customer's
 * would, with the `standardwebhooks` and `svix` packages, and answers as the test scripts it
 * (200 once the script is empty).
 */
export async function startReceiver(secrets: () => readonly string[]) {
  const received: Received[] = [];
  const script: Answer[] = [];
  const hanging: ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : (value ?? ''),
      ]),
    );
    received.push({
      path: req.url ?? '/',
      headers,
      body,
      verified: secrets().map((secret) => ({
        standard: verifies(() => new StandardWebhook(secret).verify(body, headers)),
        svix: verifies(() => new SvixWebhook(secret).verify(body, headers)),
      })),
    });
    for (const waiter of waiters.filter((w) => received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const answer = script.shift() ?? { status: 200, body: 'ok' };
    if (answer === 'hang') {
      hanging.push(res);
      return;
    }
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  };

  const server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    script,
    /** Resolves once `count` deliveries have arrived in all. */
    arrived(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    /** Forgets what arrived and the script; drops the requests left hanging. */
    reset(): void {
      received.length = 0;
      script.length = 0;
      for (const res of hanging.splice(0)) res.destroy();
    },
    /** Answers the oldest hanging request. */
    release(status = 200): void {
      const res = hanging.shift();
      res?.writeHead(status);
      res?.end();
    },
    async close(): Promise<void> {
      for (const res of hanging.splice(0)) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

// Entry point of the baseline, a process of its own: the least a sender of signed webhooks does.
// BENCH_COUNT bodies, as Switchboard delivers them, posted to BENCH_URL by BENCH_CONCURRENCY
// callers in a closed loop with undici, each signed at sending as Switchboard signs (the same
// Standard Webhooks and X-Webhook-Signature headers, by the same function) with BENCH_SECRET.
// No database, no retries, no record of anything. Prints one JSON line when done.
import { Agent, request } from 'undici';
import { signatureHeaders } from '../../../src/modules/webhook-endpoints/signing.js';
import { newId } from '../../../src/platform/ids.js';
import { VERSION } from '../../../src/version.js';
import { deliveredBody, EVENT_TYPES } from './payload.js';

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const url = setting('BENCH_URL');
const secret = setting('BENCH_SECRET');
const count = Number(setting('BENCH_COUNT'));
const concurrency = Number(setting('BENCH_CONCURRENCY'));

const now = new Date();
const messages = Array.from({ length: count }, (_, seq) => ({
  id: newId(),
  body: JSON.stringify(deliveredBody(EVENT_TYPES.drain, newId(), now, seq)),
}));
// Switchboard's dispatcher with private networks allowed posts through a plain Agent too.
const dispatcher = new Agent();
let next = 0;
let ok = 0;
let failed = 0;
const cpu = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < messages.length) {
      const message = messages[next++]!;
      const headers = {
        ...signatureHeaders(message.id, new Date(), message.body, { current: secret }),
        'content-type': 'application/json',
        'user-agent': `Switchboard-Webhooks/${VERSION}`,
      };
      try {
        const res = await request(url, { method: 'POST', headers, body: message.body, dispatcher });
        await res.body.text();
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  }),
);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
await dispatcher.close();
process.stdout.write(
  `${JSON.stringify({ msg: 'done', ok, failed, ms, cpuMs: (used.user + used.system) / 1000 })}\n`,
);

// Entry point of the bench's webhook sink, a process of its own: a plain node:http server that
// answers 200 to every POST under /hook/<label>/…, counts deliveries per label, verifies a sample
// of them with the `standardwebhooks` package as a customer's receiver would, and times each from
// the event's commit (the body's `timestamp`) and from when the bench sent it (`data.due_ms`).
// The bench reads and resets a label's figures under /_sink/ (see sink-client.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { wallMs } from './payload.js';

/** One delivery in this many (the first included) has its signature verified. */
const VERIFY_EVERY = 10;

// Exit normally on a signal, so that --cpu-prof and similar flags get to write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

/** What arrived under one label; the bench reads it as JSON (SinkStats in sink-client.ts). */
class Label {
  received = 0;
  readonly webhookIds = new Set<string>();
  readonly eventIds = new Set<string>();
  readonly paths = new Set<string>();
  firstMs = Number.NaN;
  lastMs = Number.NaN;
  /** Receipt minus the body's `timestamp` (the event's commit), ms. */
  readonly fromCommit: number[] = [];
  /** Receipt minus `data.due_ms` (when the bench's schedule sent the event), ms. */
  readonly fromDue: number[] = [];
  verified = 0;
  /** Sampled deliveries whose signature did not verify, or whose secret the sink was not given. */
  unverified = 0;
  /** Bodies that were not a Standard Webhooks JSON body. */
  malformed = 0;

  toJSON() {
    return {
      received: this.received,
      distinct: this.webhookIds.size,
      eventIds: [...this.eventIds],
      paths: this.paths.size,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      fromCommit: this.fromCommit,
      fromDue: this.fromDue,
      verified: this.verified,
      unverified: this.unverified,
      malformed: this.malformed,
    };
  }
}

const labels = new Map<string, Label>();
/** Signing secret by request path, as the bench registered them. */
const secrets = new Map<string, Webhook>();

const labelOf = (name: string) => {
  let label = labels.get(name);
  if (!label) {
    label = new Label();
    labels.set(name, label);
  }
  return label;
};

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface Delivered {
  timestamp: string;
  data: { event_id?: unknown; due_ms?: unknown };
}

function record(label: Label, path: string, headers: IncomingMessage['headers'], body: string, at: number) {
  label.received++;
  if (Number.isNaN(label.firstMs)) label.firstMs = at;
  label.lastMs = at;
  label.paths.add(path);
  const webhookId = headers['webhook-id'];
  if (typeof webhookId === 'string') label.webhookIds.add(webhookId);
  let parsed: Delivered;
  try {
    parsed = JSON.parse(body) as Delivered;
  } catch {
    label.malformed++;
    return;
  }
  if (typeof parsed.data?.event_id !== 'string' || typeof parsed.timestamp !== 'string') {
    label.malformed++;
    return;
  }
  label.eventIds.add(parsed.data.event_id);
  label.fromCommit.push(at - Date.parse(parsed.timestamp));
  if (typeof parsed.data.due_ms === 'number') label.fromDue.push(at - parsed.data.due_ms);
  if ((label.received - 1) % VERIFY_EVERY !== 0) return;
  const webhook = secrets.get(path);
  try {
    if (!webhook) throw new Error('no secret');
    webhook.verify(body, headers as Record<string, string>);
    label.verified++;
  } catch {
    label.unverified++;
  }
}

function reply(res: ServerResponse, status: number, json?: unknown) {
  const body = json === undefined ? 'ok' : JSON.stringify(json);
  res.writeHead(status, {
    'content-type': json === undefined ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const path = req.url ?? '/';
  const body = await bodyOf(req);
  const at = wallMs();
  const [, root, name] = path.split('/');
  if (root === 'hook' && name && req.method === 'POST') {
    record(labelOf(name), path, req.headers, body, at);
    return reply(res, 200);
  }
  if (root === '_sink' && name === 'secrets' && req.method === 'POST') {
    for (const [p, secret] of Object.entries(JSON.parse(body) as Record<string, string>)) {
      secrets.set(p, new Webhook(secret));
    }
    return reply(res, 200, {});
  }
  const label = path.split('/')[3];
  if (root === '_sink' && name === 'labels' && label) {
    if (req.method === 'GET') return reply(res, 200, labelOf(label));
    if (req.method === 'DELETE') {
      labels.delete(label);
      return reply(res, 200, {});
    }
  }
  // Polled while waiting: the counts without the lists.
  if (root === '_sink' && name === 'counts' && label && req.method === 'GET') {
    const { received, eventIds, webhookIds } = labelOf(label);
    return reply(res, 200, { received, events: eventIds.size, distinct: webhookIds.size });
  }
  reply(res, 404, { error: `no route ${req.method} ${path}` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${address.port}` })}\n`);
});

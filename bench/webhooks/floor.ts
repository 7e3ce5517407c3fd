import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openSqliteConnection } from '../../src/platform/db/sqlite.js';
import { newId } from '../../src/platform/ids.js';
import { SIGNATURE_HEADER, signedEvent } from './event.js';
import { type Counted, closedLoop, type Latencies, openLoop } from './load.js';
import type { Store } from './switchboard.js';

/**
 * What each delivery's transaction holds, written raw (no HTTP, no query builder):
 * - `event`: the event row alone, what any receiver that stores before it acknowledges commits;
 * - `receiver`: Switchboard's receive transaction: the event, its count row, the outbox event.
 */
export const FLOOR_TRANSACTIONS = ['event', 'receiver'] as const;
export type FloorTransaction = (typeof FLOOR_TRANSACTIONS)[number];

/**
 * The least a receiver storing in this database could cost: each event committed in a transaction
 * of its own, straight through the driver into the tables Switchboard created (its indexes, its
 * foreign keys, its connection settings), on the webhook the bench loaded.
 */
export interface Floor {
  /** Events a second committed, `callers` at once (as many as the senders), for `seconds`. */
  throughput(tx: FloorTransaction, callers: number, seconds: number): Promise<Counted>;
  /** Commit latencies at `rate` events a second for `seconds`, open loop (see openLoop). */
  latency(tx: FloorTransaction, rate: number, seconds: number, giveUpSeconds: number): Promise<Latencies>;
  close(): Promise<void>;
}

interface Webhook {
  id: string;
  org_id: string;
  connection_id: string;
}

/** The row a delivery of event `n` becomes, as the receiver stores it (signature redacted). */
function rowOf(webhook: Webhook, n: number) {
  const event = signedEvent('floor', n);
  const at = new Date().toISOString();
  const delivery = `floor_${n}`;
  return {
    id: newId(),
    headers: JSON.stringify({ ...event.headers, [SIGNATURE_HEADER]: '[redacted]', host: '127.0.0.1' }),
    payload: event.body,
    delivery,
    at,
    outbox: JSON.stringify({ connection_id: webhook.connection_id, event_id: delivery, status: 'accepted' }),
  };
}

type Row = ReturnType<typeof rowOf>;

/** The event statement's values, in its placeholders' order. */
const eventValues = (webhook: Webhook, r: Row) => [
  r.id,
  webhook.org_id,
  webhook.connection_id,
  webhook.id,
  r.delivery,
  r.delivery,
  r.headers,
  r.payload,
  r.at,
  r.at,
];

const INSERT_EVENT = (p: (i: number) => string, json: (i: number) => string) =>
  `insert into webhook_events (id, org_id, connection_id, webhook_id, delivery_id, dedupe_key, event_type,
     status, headers, payload, attempts, next_attempt_at, received_at)
   values (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, 'ticket.updated', 'accepted',
     ${json(7)}, ${json(8)}, 0, ${p(9)}, ${p(10)})`;
const COUNT = (p: (i: number) => string) =>
  `insert into webhook_counts (webhook_id, received, processed, failed, last_received_at)
   values (${p(2)}, 1, 0, 0, ${p(1)})`;
const INSERT_OUTBOX = (p: (i: number) => string, json: (i: number) => string) =>
  `insert into events (id, org_id, type, version, subject_type, subject_id, payload, occurred_at)
   values (${p(1)}, ${p(2)}, 'webhook.received', 1, 'webhook', ${p(3)}, ${json(4)}, ${p(5)})`;

let sequence = 0;

/** SQLite: the server's database file, opened as the server opens it, one transaction at a time. */
export function sqliteFloor(store: Store, webhookId: string): Floor {
  const db: BetterSqlite3.Database = openSqliteConnection(path.join(store.dir, 'switchboard.db'));
  const webhook = db
    .prepare('select id, org_id, connection_id from webhooks where id = ?')
    .get(webhookId) as Webhook;
  const at = () => '?';
  const insert = db.prepare(INSERT_EVENT(at, at));
  const counter = db.prepare(COUNT(at));
  const outbox = db.prepare(INSERT_OUTBOX(at, at));
  const writeEvent = (r: Row) => insert.run(eventValues(webhook, r));
  const writeOutbox = (r: Row) => outbox.run(newId(), webhook.org_id, webhook.id, r.outbox, r.at);
  const commits: Record<FloorTransaction, (r: Row) => void> = {
    event: db.transaction(writeEvent),
    receiver: db.transaction((r: Row) => {
      writeEvent(r);
      counter.run(r.at, webhook.id);
      writeOutbox(r);
    }),
  };
  // One writer: SQLite commits one transaction at a time whatever the number of callers.
  const send = (tx: FloorTransaction) => async () => {
    commits[tx](rowOf(webhook, sequence++));
    return 200;
  };
  return {
    throughput: (tx, _callers, seconds) => closedLoop(1, seconds, send(tx)),
    latency: (tx, rate, seconds, giveUpSeconds) => openLoop(rate, seconds, giveUpSeconds, send(tx)),
    async close() {
      db.close();
    },
  };
}

/** PostgreSQL: the server's database, through a pool as large as the server's. */
export async function postgresFloor(store: Store, webhookId: string, poolMax: number): Promise<Floor> {
  const pool = new pg.Pool({ connectionString: store.url, max: poolMax });
  const {
    rows: [webhook],
  } = await pool.query<Webhook>('select id, org_id, connection_id from webhooks where id = $1', [webhookId]);
  if (!webhook) throw new Error(`no webhook ${webhookId}`);
  const at = (i: number) => `$${i}`;
  const json = (i: number) => `$${i}::jsonb`;
  const statements = { insert: INSERT_EVENT(at, json), counter: COUNT(at), outbox: INSERT_OUTBOX(at, json) };
  const send = (tx: FloorTransaction) => async () => {
    const r = rowOf(webhook, sequence++);
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(statements.insert, eventValues(webhook, r));
      if (tx === 'receiver') {
        await client.query(statements.counter, [r.at, webhook.id]);
        await client.query(statements.outbox, [newId(), webhook.org_id, webhook.id, r.outbox, r.at]);
      }
      await client.query('commit');
      return 200;
    } finally {
      client.release();
    }
  };
  return {
    throughput: (tx, callers, seconds) => closedLoop(callers, seconds, send(tx)),
    latency: (tx, rate, seconds, giveUpSeconds) => openLoop(rate, seconds, giveUpSeconds, send(tx)),
    close: () => pool.end(),
  };
}

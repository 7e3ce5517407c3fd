import path from 'node:path';
import pg from 'pg';
import { openSqliteConnection } from '../../../src/platform/db/sqlite.js';
import { newId } from '../../../src/platform/ids.js';
import { POSTGRES_POOL, type Store } from '../switchboard.js';

/**
 * The least recording a delivery costs in this database: an attempt row inserted and its message
 * updated to `succeeded`, written raw (no HTTP, no query builder) into Switchboard's tables, on
 * messages the bench had delivered. `group` deliveries share a transaction (the dispatcher
 * records what came in together in one), `callers` transactions run at once.
 */
export interface RecordFloor {
  /** Deliveries recorded a second over `seconds`. */
  perSecond(group: number, callers: number, seconds: number): Promise<number>;
  close(): Promise<void>;
}

interface Message {
  id: string;
  endpoint_id: string;
}

const INSERT = (p: (i: number) => string) =>
  `insert into webhook_attempts (id, message_id, endpoint_id, attempt, url, status_code, duration_ms,
     response_body, error, created_at)
   values (${p(1)}, ${p(2)}, ${p(3)}, 1, 'http://127.0.0.1/hook', 200, 1, 'ok', null, ${p(4)})`;
const SETTLE = (p: (i: number) => string) =>
  `update webhook_messages set status = 'succeeded', attempts = attempts + 1, next_attempt_at = null,
     lease_until = null, last_status_code = 200, last_error = null, delivered_at = ${p(1)}, updated_at = ${p(2)}
   where id = ${p(3)}`;

/** Runs `record` (a group of deliveries) from `callers` callers for `seconds`: deliveries a second. */
async function loop(group: number, callers: number, seconds: number, record: (n: number) => Promise<void>) {
  let recorded = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        await record(recorded);
        recorded += group;
      }
    }),
  );
  return (recorded * 1000) / (performance.now() - started);
}

export async function recordFloor(store: Store, messages: Message[]): Promise<RecordFloor> {
  const at = () => new Date().toISOString();
  const pick = (n: number) => messages[n % messages.length]!;
  if (!store.url) {
    const db = openSqliteConnection(path.join(store.dir, 'switchboard.db'));
    const insert = db.prepare(INSERT(() => '?'));
    const settle = db.prepare(SETTLE(() => '?'));
    const commit = db.transaction((from: number, group: number) => {
      for (let i = 0; i < group; i++) {
        const m = pick(from + i);
        const now = at();
        insert.run(newId(), m.id, m.endpoint_id, now);
        settle.run(now, now, m.id);
      }
    });
    return {
      // One connection, one writer: SQLite commits one transaction at a time whatever the callers.
      perSecond: (group, _callers, seconds) =>
        loop(group, 1, seconds, async (from) => {
          commit(from, group);
          // Let the loop's timer and I/O run between transactions.
          await new Promise((r) => setImmediate(r));
        }),
      close: async () => {
        db.close();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: store.url, max: POSTGRES_POOL });
  const insert = INSERT((i) => `$${i}`);
  const settle = SETTLE((i) => `$${i}`);
  return {
    perSecond: (group, callers, seconds) =>
      loop(group, callers, seconds, async (from) => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          for (let i = 0; i < group; i++) {
            const m = pick(from + i);
            const now = at();
            await client.query(insert, [newId(), m.id, m.endpoint_id, now]);
            await client.query(settle, [now, now, m.id]);
          }
          await client.query('commit');
        } finally {
          client.release();
        }
      }),
    close: () => pool.end(),
  };
}

// Fills a running Switchboard's database with bench/dashboard's fleet, by direct inserts of the rows
// the owners' stores write: quick, and the service sees them as it would its own.
import { sql } from 'kysely';
import type { Config } from '../../src/config.js';
import { newWebhookSecret, sealWebhookSecret } from '../../src/modules/webhooks/secret.js';
import { decodeEncryptionKey, KeyRing } from '../../src/platform/crypto/key-ring.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import { type Db, openDatabase } from '../../src/platform/db/database.js';
import { newId } from '../../src/platform/ids.js';
import { type Definition, type FleetRows, fleet } from './fleet.js';

/** Connections of the org the bench reads. */
export const CONNECTIONS = 1_000;
/** A second, smaller org beside it, so that every read has another org's rows to leave out. */
const OTHER_ORG_CONNECTIONS = 200;
// Rows an insert statement carries: well under both databases' limits on parameters (the widest
// table here has 27 columns); a transaction commits this many statements.
const ROWS_PER_STATEMENT = 500;
const STATEMENTS_PER_TRANSACTION = 20;

export interface Seeded {
  /** The org's connections, by id. */
  connectionIds: string[];
  /** A connected connection of the org with a webhook: the one the per-connection timeline charts. */
  chartedConnectionId: string;
  runs: number;
  webhooks: number;
  events: number;
  seconds: number;
}

/** Inserts `rows` ROWS_PER_STATEMENT at a time, STATEMENTS_PER_TRANSACTION statements a transaction. */
async function insertAll<Row>(db: Db, rows: Row[], insert: (tx: Db, chunk: Row[]) => Promise<unknown>) {
  const perTransaction = ROWS_PER_STATEMENT * STATEMENTS_PER_TRANSACTION;
  for (let first = 0; first < rows.length; first += perTransaction) {
    const end = Math.min(rows.length, first + perTransaction);
    await db.transaction().execute(async (tx) => {
      for (let i = first; i < end; i += ROWS_PER_STATEMENT) {
        await insert(tx, rows.slice(i, Math.min(end, i + ROWS_PER_STATEMENT)));
      }
    });
  }
}

const byTime = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The fleets' rows in the order Switchboard writes them: runs and events as they happen, the orgs'
 * interleaved. A window of time is then a stretch of neighbouring rows, as the planner and the page
 * cache meet it in production (by connection instead, every window would touch every page).
 */
function merged(fleets: FleetRows[]): FleetRows {
  return {
    connections: fleets.flatMap((f) => f.connections),
    runs: fleets.flatMap((f) => f.runs).sort((a, b) => byTime(a.queued_at, b.queued_at)),
    webhooks: fleets.flatMap((f) => f.webhooks),
    events: fleets.flatMap((f) => f.events).sort((a, b) => byTime(a.received_at, b.received_at)),
  };
}

async function insertFleet(db: Db, rows: FleetRows): Promise<void> {
  // In the order of the foreign keys.
  await insertAll(db, rows.connections, (tx, chunk) =>
    tx.insertInto('integration_connections').values(chunk).execute(),
  );
  await insertAll(db, rows.runs, (tx, chunk) => tx.insertInto('sync_runs').values(chunk).execute());
  await insertAll(db, rows.webhooks, (tx, chunk) => tx.insertInto('webhooks').values(chunk).execute());
  await insertAll(db, rows.events, (tx, chunk) => tx.insertInto('webhook_events').values(chunk).execute());
}

/**
 * Seeds the org `orgId` (the admin's) with CONNECTIONS connections and their history, and a second
 * org beside it, over the catalog the service synced at its start. `encryptionKey` is the service's
 * SWITCHBOARD_ENCRYPTION_KEY: webhook secrets are sealed with it, as the webhooks module seals them.
 */
export async function seed(
  database: Config['database'],
  orgId: string,
  adminId: string,
  encryptionKey: string,
): Promise<Seeded> {
  const started = performance.now();
  const opened = openDatabase(database);
  const db = opened.db;
  try {
    const definitions: Definition[] = await db
      .selectFrom('integration_definitions')
      .select(['id', 'slug', 'name'])
      .where('audience', '=', 'tenant')
      .where('status', '!=', 'disabled')
      .orderBy('slug')
      .execute();
    if (definitions.length === 0) throw new Error('the catalog has no definitions to connect');
    const box = new SecretBox(
      new KeyRing(decodeEncryptionKey(encryptionKey, 'SWITCHBOARD_ENCRYPTION_KEY'), []),
    );
    const sealSecret = (org: string, webhookId: string) =>
      sealWebhookSecret(box, org, webhookId, newWebhookSecret());
    const now = Date.now();
    const otherOrgId = newId();
    const at = new Date(now).toISOString();
    await db
      .insertInto('orgs')
      .values({
        id: otherOrgId,
        name: 'Bench Other',
        slug: 'bench-other',
        session_timeout_mins: 30,
        settings: {},
        created_at: at,
        updated_at: at,
      })
      .execute();
    const common = { definitions, now, sealSecret };
    const rows = fleet({ ...common, orgId, seed: 'dashboard', count: CONNECTIONS, createdBy: adminId });
    const other = fleet({
      ...common,
      orgId: otherOrgId,
      seed: 'dashboard-other',
      count: OTHER_ORG_CONNECTIONS,
      createdBy: null,
    });
    await insertFleet(db, merged([rows, other]));
    // PostgreSQL's autovacuum analyzes tables this size within a minute of the inserts; done now,
    // the planner sees what it would in production. SQLite has no statistics unless someone runs
    // ANALYZE, and Switchboard does not: it is left as it ships.
    if (opened.dialect === 'postgres') {
      await sql`vacuum analyze integration_connections, sync_runs, webhooks, webhook_events`.execute(db);
    }
    const connected = new Set(rows.connections.filter((c) => c.status === 'connected').map((c) => c.id));
    const charted = rows.webhooks.find((w) => connected.has(w.connection_id));
    if (!charted) throw new Error('no connected connection of the fleet has a webhook');
    return {
      connectionIds: rows.connections.map((c) => c.id),
      chartedConnectionId: charted.connection_id,
      runs: rows.runs.length,
      webhooks: rows.webhooks.length,
      events: rows.events.length,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await opened.close();
  }
}

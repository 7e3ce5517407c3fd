// Entry point of the connections benchmark's server process: Switchboard's API as `api` starts it
// (migrations, catalog sync), on the database the environment names. It seeds one org with
// CONNECTIONS connections of the demo definition (and a smaller org beside it, so that the org
// filter has something to filter out), logs a user of the big org in, and prints its token.
import { type Insertable, sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { registerAccount } from '../../src/modules/auth/accounts.js';
import { randomToken } from '../../src/platform/crypto/tokens.js';
import type { Db } from '../../src/platform/db/database.js';
import type { IntegrationConnectionsTable } from '../../src/platform/db/tables.js';
import { newId } from '../../src/platform/ids.js';
import { startServer } from '../../src/server.js';
import { CONNECTIONS, WORDS } from './index.js';

const OTHER_ORG_CONNECTIONS = 1_000;
const BATCH = 500;

const REGIONS = ['eu', 'us', 'apac', 'latam'] as const;

// Weighted as a real fleet looks: mostly connected and healthy, some failing, a few never set up.
const STATUSES = [
  ...Array<string>(12).fill('connected'),
  'error',
  'error',
  'pending_setup',
  'configuring',
  'disabled',
  'syncing',
] as const;
const HEALTHS = [
  ...Array<string>(10).fill('healthy'),
  'degraded',
  'degraded',
  'unhealthy',
  'unknown',
] as const;

// Exit normally on a signal, so that --cpu-prof and similar flags get to write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

/** A small deterministic PRNG (mulberry32): the same data on every run and both dialects. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)]!;
}

async function seedOrg(db: Db, name: string, now: string): Promise<string> {
  const id = newId();
  await db
    .insertInto('orgs')
    .values({
      id,
      name,
      slug: name.toLowerCase().replaceAll(' ', '-'),
      session_timeout_mins: 30,
      settings: {},
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

async function seedConnections(
  db: Db,
  orgId: string,
  definitionId: string,
  createdBy: string | null,
  count: number,
  seed: number,
): Promise<void> {
  const next = random(seed);
  const nowMs = Date.now();
  const day = 86_400_000;
  const rows: Insertable<IntegrationConnectionsTable>[] = [];
  for (let i = 0; i < count; i++) {
    const status = pick(next, STATUSES);
    const health = status === 'pending_setup' || status === 'configuring' ? 'unknown' : pick(next, HEALTHS);
    const neverSynced = status === 'pending_setup' || status === 'configuring' || next() < 0.1;
    const lastSync = neverSynced ? null : new Date(nowMs - Math.floor(next() * 30 * day)).toISOString();
    const created = new Date(nowMs - 365 * day + Math.floor(next() * 330 * day)).toISOString();
    const total = Math.floor(next() * 2000);
    const failed = Math.floor(total * next() * 0.2);
    const word = pick(next, WORDS);
    rows.push({
      id: newId(),
      org_id: orgId,
      definition_id: definitionId,
      // Unique in the org by the index; words first so that name order is not insertion order.
      name: `${word[0]!.toUpperCase()}${word.slice(1)} ${pick(next, REGIONS)} ${String(i).padStart(5, '0')}`,
      description:
        next() < 0.5 ? null : `Syncs ${pick(next, WORDS)} data for the ${pick(next, REGIONS)} team`,
      instance_label: next() < 0.7 ? null : pick(next, REGIONS),
      status,
      health,
      config: { region: pick(next, REGIONS), page_size: 100 },
      secrets: null,
      sync_enabled: status !== 'disabled',
      sync_interval_mins: pick(next, [15, 30, 60, 240, 1440]),
      sync_cron: null,
      health_check_interval_mins: 15,
      next_sync_at: lastSync === null ? null : new Date(nowMs + Math.floor(next() * day)).toISOString(),
      next_health_check_at: null,
      last_sync_at: lastSync,
      last_sync_status: lastSync === null ? null : status === 'error' ? 'failed' : 'success',
      last_sync_error: status === 'error' ? 'upstream answered 503' : null,
      last_sync_duration_ms: lastSync === null ? null : Math.floor(next() * 60_000),
      last_sync_stats: lastSync === null ? null : { created: 3, updated: 12, deleted: 0 },
      last_health_check_at: lastSync,
      last_health_error: health === 'unhealthy' ? 'timeout' : null,
      last_tested_at: created,
      last_test_passed_at: status === 'pending_setup' ? null : created,
      consecutive_failures: status === 'error' ? 1 + Math.floor(next() * 5) : 0,
      total_runs: total,
      successful_runs: total - failed,
      failed_runs: failed,
      tags: next() < 0.5 ? [] : [pick(next, WORDS)],
      metadata: {},
      disabled_reason: status === 'disabled' ? 'paused by an admin' : null,
      created_by: createdBy,
      created_at: created,
      updated_at: lastSync ?? created,
    });
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      await trx
        .insertInto('integration_connections')
        .values(rows.slice(i, i + BATCH))
        .execute();
    }
  });
}

async function main() {
  const config = loadConfig(process.env);
  const server = await startServer('api', { ...config, port: 0, host: '127.0.0.1' });
  const { db, dialect } = server.ctx.database;
  const now = new Date().toISOString();
  // The catalog sync at start wrote the demo connector's definition.
  const definition = await db
    .selectFrom('integration_definitions')
    .select('id')
    .where('slug', '=', 'demo')
    .executeTakeFirstOrThrow();
  const { user, org } = await registerAccount(
    db,
    { email: 'bench@example.com', name: 'Bench', password: randomToken(), orgName: 'Bench' },
    { requestId: null, ip: null },
    new Date(now),
  );
  const userId = user.id;
  const orgId = org.id;
  const otherOrgId = await seedOrg(db, 'Bench Other', now);
  const seedStarted = performance.now();
  await seedConnections(db, orgId, definition.id, userId, CONNECTIONS, 1);
  await seedConnections(db, otherOrgId, definition.id, null, OTHER_ORG_CONNECTIONS, 2);
  const seedMs = performance.now() - seedStarted;
  // PostgreSQL's autovacuum vacuums and analyzes a table this size within a minute of the inserts; do it now so
  // the planner sees what it would in production. SQLite has no statistics unless someone runs
  // ANALYZE, and Switchboard does not, so it is left as it ships.
  if (dialect === 'postgres') await sql`vacuum analyze integration_connections`.execute(db);
  const token = (await server.app.services.sessions.start(userId, orgId)).access_token;
  process.stdout.write(
    `${JSON.stringify({ msg: 'seeded', url: server.url, token, orgId, dialect, seedMs: Math.round(seedMs) })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

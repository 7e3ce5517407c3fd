// bench/dashboard (issue #19): on SQLite and on PostgreSQL, Switchboard serving an org of 1,000
// connections with 30 days of runs and webhook events; each part measures what it names on that
// stage. The parts run in order on the same service and data. BENCH_DASHBOARD=endpoints|search runs
// one part, BENCH_DASHBOARD_STORES=sqlite|postgres one store.
import type { Config } from '../../src/config.js';
import { report } from '../lib.js';
import { freshStore, type Store } from '../webhooks/switchboard.js';
import { benchDashboardEndpoints } from './dashboard.js';
import { benchSearch } from './search.js';
import { seed } from './seed.js';
import type { Part, Section } from './stage.js';
import { startSwitchboard, storeDatabase } from './switchboard.js';

const POSTGRES_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const chosen = (variable: string, all: string[]) => (process.env[variable] || all.join(',')).split(',');
const PART_NAMES = chosen('BENCH_DASHBOARD', ['endpoints', 'search']);
const STORES = chosen('BENCH_DASHBOARD_STORES', ['sqlite', 'postgres']);

/** What is measured on each store's running service and seeded org, in order: add a part here. */
const PARTS: Part[] = PART_NAMES.includes('endpoints') ? [benchDashboardEndpoints] : [];

/** What needs a database of its own, no service on it (a fresh one of the store's kind each, dropped after). */
const OWN_DATABASE_PARTS: ((database: Config['database']) => Promise<Section[]>)[] = PART_NAMES.includes(
  'search',
)
  ? [(database) => benchSearch(database)]
  : [];

function reported(sections: Section[]): boolean {
  let met = true;
  for (const section of sections) {
    met = report(section.title, section.rows) && met;
    for (const line of section.notes ?? []) process.stdout.write(`  ${line}\n`);
  }
  return met;
}

const adminUrl = (dialect: Store['dialect']) => (dialect === 'postgres' ? POSTGRES_ADMIN_URL : undefined);

/** The parts measured on a running service over a seeded org, on a fresh store of the kind. */
async function benchService(dialect: Store['dialect']): Promise<boolean> {
  const store = await freshStore(adminUrl(dialect));
  let switchboard: Awaited<ReturnType<typeof startSwitchboard>> | undefined;
  let met = true;
  try {
    switchboard = await startSwitchboard(store);
    const seeded = await seed(
      switchboard.database,
      switchboard.orgId,
      switchboard.adminId,
      switchboard.encryptionKey,
    );
    for (const part of PARTS) met = reported(await part({ store, switchboard, seeded })) && met;
  } finally {
    await switchboard?.stop();
    await store.drop();
  }
  return met;
}

async function benchStore(dialect: Store['dialect']): Promise<boolean> {
  if (!STORES.includes(dialect)) return true;
  let met = PARTS.length === 0 || (await benchService(dialect));
  for (const part of OWN_DATABASE_PARTS) {
    const own = await freshStore(adminUrl(dialect));
    try {
      met = reported(await part(storeDatabase(own))) && met;
    } finally {
      await own.drop();
    }
  }
  return met;
}

export async function benchDashboard(): Promise<boolean> {
  const sqlite = await benchStore('sqlite');
  const postgres = await benchStore('postgres');
  return sqlite && postgres;
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Config } from '../../src/config.js';
import { CONNECTION_STATUSES, HEALTHS } from '../../src/modules/connections/store.js';
import { type Db, openDatabase } from '../../src/platform/db/database.js';
import { postgresDatabase } from '../../test/helpers/databases.js';
import { percentile, type Row, report, startNode, tempDir } from '../lib.js';

/** Connections in the org the bench lists; bench/connections/server.ts seeds them. */
export const CONNECTIONS = 10_000;
/** Words the seeded names are made of; the bench searches for SEARCH_WORD, about one name in ten. */
export const WORDS = [
  'billing',
  'crm',
  'payroll',
  'warehouse',
  'support',
  'marketing',
  'finance',
  'sales',
  'inventory',
  'analytics',
] as const;
export const SEARCH_WORD = 'payroll';

const TARGET_P99_MS = 20;
const WARMUP = 20;
const REQUESTS = 200;

type Sort = 'name' | 'status' | 'health' | 'last_sync_at' | 'created_at';

/** One kind of list page: its query string, and what the raw query needs to fetch the same page. */
interface Page {
  name: string;
  status?: string;
  health?: string;
  search?: string;
  sort: Sort;
  order: 'asc' | 'desc';
  page: number;
  perPage: number;
}

const PER_PAGE = 20;

const PAGES: Page[] = [
  { name: 'first page', sort: 'name', order: 'asc', page: 1, perPage: PER_PAGE },
  { name: 'deep page (last)', sort: 'name', order: 'asc', page: CONNECTIONS / PER_PAGE, perPage: PER_PAGE },
  { name: 'deep page, per_page=100', sort: 'name', order: 'asc', page: 90, perPage: 100 },
  { name: 'status=error', status: 'error', sort: 'name', order: 'asc', page: 1, perPage: PER_PAGE },
  { name: 'health=degraded', health: 'degraded', sort: 'name', order: 'asc', page: 1, perPage: PER_PAGE },
  {
    name: `search=${SEARCH_WORD}`,
    search: SEARCH_WORD,
    sort: 'name',
    order: 'asc',
    page: 1,
    perPage: PER_PAGE,
  },
  {
    name: 'status+health+search, page 3',
    status: 'connected',
    health: 'healthy',
    search: 'us',
    sort: 'last_sync_at',
    order: 'desc',
    page: 3,
    perPage: PER_PAGE,
  },
  ...(['name', 'status', 'health', 'last_sync_at', 'created_at'] as const).flatMap((sort) =>
    (['asc', 'desc'] as const).map(
      (order): Page => ({ name: `sort=${sort} ${order}`, sort, order, page: 1, perPage: PER_PAGE }),
    ),
  ),
  { name: 'sort=status desc, page 250', sort: 'status', order: 'desc', page: 250, perPage: PER_PAGE },
];

function queryString(p: Page): string {
  const q = new URLSearchParams();
  if (p.status) q.set('status', p.status);
  if (p.health) q.set('health', p.health);
  if (p.search) q.set('search', p.search);
  q.set('sort', p.sort);
  q.set('order', p.order);
  q.set('page', String(p.page));
  q.set('per_page', String(p.perPage));
  return q.toString();
}

/** The sort key, written out here: statuses and healths rank in their declared order. */
function sortKey(sort: Sort): Expression<unknown> {
  const ranked = (column: 'c.status' | 'c.health', values: readonly string[]) =>
    sql<number>`case ${sql.ref(column)} ${sql.join(
      values.map((v, rank) => sql`when ${v} then ${rank}`),
      sql` `,
    )} else ${values.length} end`;
  if (sort === 'status') return ranked('c.status', CONNECTION_STATUSES);
  if (sort === 'health') return ranked('c.health', HEALTHS);
  return sql.ref(`c.${sort}`);
}

/** The same page as the API serves, by a query written in the bench: rows and the total. */
async function rawPage(db: Db, orgId: string, p: Page): Promise<{ ids: string[]; total: number }> {
  const where = (q: ReturnType<typeof base>) => {
    let r = q.where('c.org_id', '=', orgId);
    if (p.status) r = r.where('c.status', '=', p.status);
    if (p.health) r = r.where('c.health', '=', p.health);
    if (p.search) {
      const pattern = `%${p.search.toLowerCase()}%`;
      r = r.where(
        (eb) =>
          sql<SqlBool>`(lower(${eb.ref('c.name')}) like ${pattern} escape '\\' or lower(${eb.ref('c.description')}) like ${pattern} escape '\\')`,
      );
    }
    return r;
  };
  const base = () =>
    db
      .selectFrom('integration_connections as c')
      .innerJoin('integration_definitions as d', 'd.id', 'c.definition_id');
  const [rows, count] = await Promise.all([
    where(base())
      .selectAll('c')
      .select([
        'd.name as integration_name',
        'd.slug as integration_slug',
        'd.category as integration_category',
        'd.icon_url as integration_icon_url',
        'd.connector',
        'd.capabilities',
        'd.config_schema',
      ])
      .orderBy(sortKey(p.sort), (ob) => (p.order === 'asc' ? ob.asc() : ob.desc()).nullsLast())
      .orderBy('c.id', p.order)
      .limit(p.perPage)
      .offset((p.page - 1) * p.perPage)
      .execute(),
    where(base())
      .select((eb) => eb.fn.countAll<number | string>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { ids: rows.map((r) => r.id), total: Number(count.total) };
}

async function httpPage(url: string, token: string, p: Page): Promise<{ ids: string[]; total: number }> {
  const res = await fetch(`${url}/api/v1/integration-connections?${queryString(p)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${p.name}: ${res.status} ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data: { id: string }[]; pagination: { total: number } };
  return { ids: body.data.map((c) => c.id), total: body.pagination.total };
}

interface Timing {
  p50: number;
  p99: number;
}

/** Times `fn` REQUESTS times, one after another, after WARMUP untimed calls. */
async function time(fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

interface Target {
  name: 'sqlite' | 'postgres';
  env: Record<string, string>;
  database: Config['database'];
  drop(): Promise<void>;
}

function sqliteTarget(): Target {
  const dir = tempDir();
  return {
    name: 'sqlite',
    env: { SWITCHBOARD_DATA_DIR: dir, DATABASE_URL: '' },
    database: { kind: 'sqlite', file: path.join(dir, 'switchboard.db') },
    async drop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A database of the run's own on the server DATABASE_URL names, dropped afterwards. */
async function postgresTarget(url: string): Promise<Target> {
  const database = await postgresDatabase(url);
  return {
    name: 'postgres',
    env: { SWITCHBOARD_DATA_DIR: tempDir(), DATABASE_URL: database.url },
    database: database.options,
    drop: database.drop,
  };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

async function benchDialect(target: Target): Promise<boolean> {
  const server = startNode(['--import', 'tsx', 'bench/connections/server.ts'], {
    ...target.env,
    SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    SWITCHBOARD_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    SWITCHBOARD_RATE_LIMITS: 'false',
    SWITCHBOARD_ADMIN_EMAIL: '',
    LOG_LEVEL: 'info',
    REDIS_URL: '',
  });
  const database = openDatabase(target.database);
  try {
    const line = await server.line((l) => l.msg === 'seeded');
    const url = String(line.url);
    const token = String(line.token);
    const orgId = String(line.orgId);
    const rows: Row[] = [];
    for (const p of PAGES) {
      // The bench must measure what it names: the raw query fetches exactly the page the API serves.
      const [viaHttp, viaRaw] = [await httpPage(url, token, p), await rawPage(database.db, orgId, p)];
      if (viaHttp.total !== viaRaw.total || viaHttp.ids.join() !== viaRaw.ids.join()) {
        throw new Error(
          `${target.name} ${p.name}: the raw query's page differs from the API's ` +
            `(totals ${viaRaw.total} vs ${viaHttp.total})`,
        );
      }
      if (viaHttp.ids.length === 0)
        throw new Error(`${target.name} ${p.name}: an empty page measures nothing`);
      const http = await time(() => httpPage(url, token, p));
      const raw = await time(() => rawPage(database.db, orgId, p));
      rows.push({
        name: `${p.name} (${viaHttp.total} match)`,
        value:
          `HTTP p50 ${ms(http.p50)} p99 ${ms(http.p99)}`.padEnd(34) +
          ` | raw Kysely p50 ${ms(raw.p50)} p99 ${ms(raw.p99)}`,
        target: `HTTP p99 < ${TARGET_P99_MS} ms`,
        pass: http.p99 < TARGET_P99_MS,
      });
    }
    return report(
      `bench/connections (${target.name}): GET /api/v1/integration-connections with a JWT, ` +
        `${CONNECTIONS.toLocaleString('en')} connections in the org (seeded in ${String(line.seedMs)} ms), ` +
        `${REQUESTS} sequential requests per page`,
      rows,
    );
  } finally {
    await database.close();
    await server.stop();
    await target.drop();
  }
}

export async function benchConnections(): Promise<boolean> {
  const url = process.env.DATABASE_URL || undefined;
  let met = await benchDialect(sqliteTarget());
  if (url) met = (await benchDialect(await postgresTarget(url))) && met;
  else process.stdout.write('\nbench/connections: DATABASE_URL is not set; PostgreSQL skipped\n');
  return met;
}

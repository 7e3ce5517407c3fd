// bench/dashboard, search part (issue #19's bench): federated search over 1,000,000 stored records,
// and what keeping the search index costs a sync.
//
// Usage, from another bench:
//   import { benchSearch } from './search.js';
//   const sections = await benchSearch({ kind: 'sqlite', file });          // or
//   const sections = await benchSearch({ kind: 'postgres', url, poolMax: 10 });
//   for (const s of sections) report(s.title, s.rows);
// It runs Switchboard in this process on that database (migrated if it is not), adds an org of its
// own with RECORDS records, and leaves them there: give it a scratch database no service is using.
// Runnable alone: `npx tsx bench/dashboard/search.ts [sqlite|postgres|both] [records]` (a temporary
// SQLite file, and a temporary database on DATABASE_URL's server or postgres://postgres@127.0.0.1).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import {
  DEMO_ENTITIES,
  type DemoDataOptions,
  demoRecord,
  demoRecords,
} from '../../src/connectors/demo/index.js';
import { connectors } from '../../src/connectors/registry.js';
import { registerAccount } from '../../src/modules/auth/accounts.js';
import { syncCatalog } from '../../src/modules/catalog/service.js';
import { parseQuery } from '../../src/modules/search/query.js';
import { backgroundTasks } from '../../src/modules/sync/engine/background.js';
import { createSyncWorker } from '../../src/modules/sync/engine/engine.js';
import { fts5Query, searchRecords, tsQuery } from '../../src/modules/sync/storage/record-search.js';
import { contentHash } from '../../src/modules/sync/storage/record-writer.js';
import { randomToken } from '../../src/platform/crypto/tokens.js';
import { type Db, isPostgres } from '../../src/platform/db/database.js';
import {
  createPostgresRecordSearch,
  SQLITE_INDEX_EXISTING,
  SQLITE_SEARCH_TRIGGERS,
} from '../../src/platform/db/migrations/0015_record_search.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { closeContext, openContext } from '../../src/runtime.js';
import { postgresDatabase } from '../../test/helpers/databases.js';
import { percentile, report, tempDir } from '../lib.js';
import type { Section } from './stage.js';

/** Stored records searched: FILL_CONNECTIONS connections of users and repositories. */
const RECORDS = 1_000_000;
const FILL_CONNECTIONS = 10;
/** Rows a fill transaction (SQLite) or statement (PostgreSQL) writes. */
const FILL_BATCH = 5_000;
/** The sync measured with and without the index: 30,000 users, 100 groups, 60,000 memberships, 9,900 repositories. */
const SYNC_CONFIG = { users: 30_000, groups: 100, repositories: 9_900 } as const;
/** Searches timed (after WARMUP untimed), drawn from the mix below in turn. */
const SEARCHES = 500;
const WARMUP = 50;
const TARGET_P99_MS = 50;

export interface SearchBenchOptions {
  /** Records to fill (default 1,000,000). */
  records?: number;
  /** Searches to time (default 500). */
  searches?: number;
}

const num = (v: number, digits = 0) =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number) => `${num(v, v < 10 ? 1 : 0)} ms`;
const seconds = (v: number) => `${num(v / 1000, 1)} s`;
const step = (what: string) => process.stderr.write(`search bench: ${what}\n`);

/** The data each fill connection's records are generated from: demo users and repositories. */
function fillOptions(index: number, records: number): DemoDataOptions {
  const perConnection = Math.ceil(records / FILL_CONNECTIONS);
  const users = Math.round(perConnection * 0.7);
  return {
    seed: 1000 + index,
    domain: `org${index}.example`,
    users,
    groups: 0,
    repositories: perConnection - users,
  };
}

interface FillRow {
  connectionId: string;
  entity: string;
  id: string;
  json: string;
}

/** The fill's records, a batch at a time. */
function* fillBatches(connectionIds: string[], records: number): Generator<FillRow[]> {
  let batch: FillRow[] = [];
  for (const [index, connectionId] of connectionIds.entries()) {
    for (const entity of DEMO_ENTITIES) {
      for (const record of demoRecords(fillOptions(index, records), entity)) {
        batch.push({ connectionId, entity, id: record.id, json: JSON.stringify(record) });
        if (batch.length === FILL_BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Drops the search index (its triggers and FTS rows; its column and GIN index), or builds it again. */
async function dropSearchIndex(db: Db) {
  if (isPostgres(db)) {
    await sql`drop index sync_records_search_idx`.execute(db);
    await sql`alter table sync_records drop column search_vector`.execute(db);
    return;
  }
  for (const name of ['insert', 'delete', 'update']) {
    await sql.raw(`drop trigger sync_records_fts_${name}`).execute(db);
  }
  await sql`insert into sync_records_fts (sync_records_fts) values ('delete-all')`.execute(db);
}

async function buildSearchIndex(db: Db) {
  if (isPostgres(db)) {
    await createPostgresRecordSearch(db);
    await sql`analyze sync_records`.execute(db);
    return;
  }
  await db.transaction().execute(async (tx) => {
    for (const trigger of SQLITE_SEARCH_TRIGGERS) await sql.raw(trigger).execute(tx);
    await sql.raw(SQLITE_INDEX_EXISTING).execute(tx);
  });
}

/** Inserts the records straight into the table, in big transactions (no index: it is dropped first). */
async function fill(database: Config['database'], orgId: string, connectionIds: string[], records: number) {
  const at = new Date().toISOString();
  const run = newId();
  if (database.kind === 'sqlite') {
    const db = new BetterSqlite3(database.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const insert = db.prepare(`insert into sync_records (connection_id, entity, external_id, org_id,
        content_hash, data, last_seen_run_id, deleted_at, created_at, updated_at)
        values (?, ?, ?, ?, ?, ?, ?, null, ?, ?)`);
      const write = db.transaction((batch: FillRow[]) => {
        for (const r of batch)
          insert.run(r.connectionId, r.entity, r.id, orgId, contentHash(r.json), r.json, run, at, at);
      });
      for (const batch of fillBatches(connectionIds, records)) write(batch);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    for (const batch of fillBatches(connectionIds, records)) {
      await client.query(
        `insert into sync_records (connection_id, entity, external_id, org_id, content_hash, data,
           last_seen_run_id, deleted_at, created_at, updated_at)
         select r.connection_id, r.entity, r.external_id, $1, r.content_hash, r.data::jsonb, $2, null, $3, $3
         from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           as r (connection_id, entity, external_id, content_hash, data)`,
        [
          orgId,
          run,
          at,
          batch.map((r) => r.connectionId),
          batch.map((r) => r.entity),
          batch.map((r) => r.id),
          batch.map((r) => contentHash(r.json)),
          batch.map((r) => r.json),
        ],
      );
    }
  } finally {
    await client.end();
  }
}

/**
 * What any search with exact totals and relevance order must do, with nothing of Switchboard's
 * around it: find the org's matches in the index, count them and score each (the database's own
 * ranking, bm25 or ts_rank); no pages, no records read.
 */
function everyMatchRanked(db: Db, orgId: string, text: ReturnType<typeof parseQuery>) {
  return isPostgres(db)
    ? sql`select count(*), max(ts_rank(r.search_vector, q.query))
        from sync_records r, to_tsquery('simple', ${tsQuery(text)}) as q (query)
        where r.search_vector @@ q.query and r.org_id = ${orgId} and r.deleted_at is null`
    : sql`select count(*), min(f.rank) from sync_records_fts f join sync_records r on r.rowid = f.rowid
        where sync_records_fts match ${fts5Query(text)} and r.org_id = ${orgId} and r.deleted_at is null`;
}

interface Query {
  kind: string;
  text: string;
}

/**
 * What people type into a search box, over the fill's data, in proportion: a person's email (30%),
 * their full name (25%, ~440 records), a repository's name (15%, ~600), a record id (10%), a last
 * name alone (10%, ~17,500), a department (10%, ~50,000: the broad query).
 */
function queryMix(records: number): Query[] {
  const mix: Query[] = [];
  for (let i = 0; mix.length < 100; i++) {
    const options = fillOptions(i % FILL_CONNECTIONS, records);
    const user = demoRecord(options, 'users', (i * 7919) % (options.users ?? 1));
    const repository = demoRecord(options, 'repositories', (i * 104_729) % (options.repositories ?? 1));
    const slot = i % 20;
    if (slot < 6) mix.push({ kind: 'email', text: user.email });
    else if (slot < 11) mix.push({ kind: 'full name', text: `${user.first_name} ${user.last_name}` });
    else if (slot < 14) mix.push({ kind: 'repository', text: repository.name });
    else if (slot < 16) mix.push({ kind: 'record id', text: user.id });
    else if (slot < 18) mix.push({ kind: 'last name', text: user.last_name });
    else mix.push({ kind: 'department', text: user.department });
  }
  return mix;
}

/** Seconds of a sync of SYNC_CONFIG through the engine, and its records a second. */
async function timedSync(call: Caller, definitionId: string, name: string) {
  const created = await call('POST', '/integration-connections', {
    definition_id: definitionId,
    name,
    config: { api_token: 'bench', seed: 7, ...SYNC_CONFIG },
  });
  const id = String(created.data.id);
  await call('POST', `/integration-connections/${id}/test`);
  await call('POST', `/integration-connections/${id}/enable`);
  const runId = String((await call('POST', `/integration-connections/${id}/sync`, {})).data.run_id);
  for (;;) {
    const run = (await call('GET', `/integration-connections/${id}/runs/${runId}`)).data;
    if (['completed', 'partial', 'failed', 'cancelled'].includes(String(run.status))) {
      if (run.status !== 'completed') throw new Error(`sync ${runId} ended ${run.status}`);
      // Disabled, so that the searches do not scan its generated data live: they time the index.
      await call('POST', `/integration-connections/${id}/disable`, {});
      const stats = run.stats as { items_synced: number };
      const durationMs = Number(run.duration_ms);
      return { records: stats.items_synced, durationMs, perSecond: stats.items_synced / (durationMs / 1000) };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Caller = (
  method: 'GET' | 'POST',
  url: string,
  body?: object,
) => Promise<{ data: Record<string, unknown> }>;

/**
 * On `database`: fills `records` records, times building the index over them, a sync with and
 * without the index, and searches through the API beside the storage query they run.
 */
export async function benchSearch(
  database: Config['database'],
  options: SearchBenchOptions = {},
): Promise<Section[]> {
  const records = options.records ?? RECORDS;
  const searches = options.searches ?? SEARCHES;
  const dir = tempDir();
  const config: Config = {
    ...loadConfig({
      SWITCHBOARD_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
      SWITCHBOARD_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      SWITCHBOARD_RATE_LIMITS: 'false',
      SWITCHBOARD_ACCESS_TOKEN_TTL: '86400',
    }),
    database,
  };
  const ctx = openContext(config, createLogger('warn'));
  try {
    const { db } = ctx.database;
    await ctx.database.migrate();
    await syncCatalog(db, connectors, ctx.clock.now());
    const app = await buildApp(ctx, { surface: 'api', queueBackend: 'in-process' });
    const worker = createSyncWorker(app.services, backgroundTasks(app.services));
    worker.start({ tick: false });
    try {
      const { user, org } = await registerAccount(
        db,
        {
          email: `search-${newId()}@example.com`,
          name: 'Search bench',
          password: randomToken(),
          orgName: 'Search bench',
        },
        { requestId: null, ip: null },
        ctx.clock.now(),
      );
      const token = (await app.services.sessions.start(user.id, org.id)).access_token;
      const inject = async (method: 'GET' | 'POST', url: string, body?: object) =>
        app.inject({
          method,
          url: `/api/v1${url}`,
          headers: { authorization: `Bearer ${token}` },
          ...(body ? { payload: body } : {}),
        });
      const call: Caller = async (method, url, body) => {
        const res = await inject(method, url, body);
        if (res.statusCode >= 300) throw new Error(`${method} ${url}: HTTP ${res.statusCode} ${res.body}`);
        return res.json();
      };
      const definition = async (slug: string) =>
        (
          await db
            .selectFrom('integration_definitions')
            .select('id')
            .where('slug', '=', slug)
            .executeTakeFirstOrThrow()
        ).id;

      // The fill's connections: written as a long-configured fleet would be, of a connector with no
      // live search (the searches time the index alone).
      const connectionIds = Array.from({ length: FILL_CONNECTIONS }, () => newId());
      const now = ctx.clock.now().toISOString();
      const customHttp = await definition('custom-http');
      await db
        .insertInto('integration_connections')
        .values(
          connectionIds.map((id, i) => ({
            id,
            org_id: org.id,
            definition_id: customHttp,
            name: `Search fill ${i}`,
            description: null,
            instance_label: null,
            status: 'connected',
            health: 'healthy',
            config: {},
            secrets: null,
            sync_enabled: false,
            sync_interval_mins: 60,
            sync_cron: null,
            health_check_interval_mins: 60,
            next_sync_at: null,
            next_health_check_at: null,
            last_sync_at: null,
            last_sync_status: null,
            last_sync_error: null,
            last_sync_duration_ms: null,
            last_sync_stats: null,
            last_health_check_at: null,
            last_health_error: null,
            last_tested_at: null,
            last_test_passed_at: null,
            consecutive_failures: 0,
            total_runs: 0,
            successful_runs: 0,
            failed_runs: 0,
            tags: [],
            metadata: {},
            disabled_reason: null,
            created_by: user.id,
            created_at: now,
            updated_at: now,
            credential_expires_at: null,
            credential_validated_at: null,
            credential_error: null,
            sync_timezone: null,
          })),
        )
        .execute();

      // 1. Fill without the index, then a sync without it; the index built over the fill; a sync with it.
      step('fill');
      await dropSearchIndex(db);
      let started = performance.now();
      await fill(database, org.id, connectionIds, records);
      const fillMs = performance.now() - started;
      if (isPostgres(db)) await sql`analyze sync_records`.execute(db);
      const demo = await definition('demo');
      step('sync without the index');
      const without = await timedSync(call, demo, 'Sync without the index');
      step('index');
      started = performance.now();
      await buildSearchIndex(db);
      const indexMs = performance.now() - started;
      step('sync with the index');
      const withIndex = await timedSync(call, demo, 'Sync with the index');
      step('searches');
      const stored = records + without.records;

      // 2. Searches through the API, then the storage query alone (the floor), for the same mix.
      const mix = queryMix(records);
      const timed = async (search: (q: Query) => Promise<void>) => {
        for (let i = 0; i < WARMUP; i++) await search(mix[i % mix.length]!);
        const byKind = new Map<string, number[]>();
        for (let i = 0; i < searches; i++) {
          const q = mix[i % mix.length]!;
          const t0 = performance.now();
          await search(q);
          byKind.set(q.kind, [...(byKind.get(q.kind) ?? []), performance.now() - t0]);
        }
        return byKind;
      };
      let found = 0;
      const api = await timed(async (q) => {
        const res = await inject('POST', '/integrations/search', { query: q.text });
        if (res.statusCode !== 200) throw new Error(`search: HTTP ${res.statusCode} ${res.body}`);
        found += (res.json() as { data: { total: number } }).data.total;
      });
      const storage = await timed(async (q) => {
        await searchRecords(db, { orgId: org.id, text: parseQuery(q.text), offset: 0, limit: 10 });
      });
      const floor = await timed(async (q) => {
        await everyMatchRanked(db, org.id, parseQuery(q.text)).execute(db);
      });

      const all = (byKind: Map<string, number[]>) => [...byKind.values()].flat().sort((a, b) => a - b);
      const apiAll = all(api);
      const storageAll = all(storage);
      const floorAll = all(floor);
      const p99 = percentile(apiAll, 0.99);
      const dialect = database.kind === 'postgres' ? 'PostgreSQL' : 'SQLite';
      const kinds = [...api.keys()];
      return [
        {
          title: `search index, ${dialect}: ${num(records)} records filled`,
          rows: [
            {
              name: 'fill, no index (direct inserts)',
              value: `${seconds(fillMs)} (${num(records / (fillMs / 1000))} records/s)`,
            },
            {
              name: `index built over ${num(stored)} records`,
              value: `${seconds(indexMs)} (${num(stored / (indexMs / 1000))} records/s)`,
            },
            {
              name: `sync of ${num(withIndex.records)} records, with the index`,
              value: `${num(withIndex.perSecond)} records/s (${seconds(withIndex.durationMs)})`,
            },
            {
              name: `the same sync without it`,
              value: `${num(without.perSecond)} records/s (${seconds(without.durationMs)})`,
            },
            { name: 'with / without', value: `${num(withIndex.perSecond / without.perSecond, 2)} ×` },
          ],
        },
        {
          title: `federated search, ${dialect}: ${num(searches)} searches over ${num(stored + withIndex.records)} records, one at a time`,
          rows: [
            {
              name: 'API p50 / p99 (the mix)',
              value: `${ms(percentile(apiAll, 0.5))} / ${ms(p99)}`,
              target: `p99 < ${TARGET_P99_MS} ms`,
              pass: p99 < TARGET_P99_MS,
            },
            {
              name: 'storage query p50 / p99',
              value: `${ms(percentile(storageAll, 0.5))} / ${ms(percentile(storageAll, 0.99))}`,
            },
            {
              name: 'every match of the org counted and ranked, nothing else (the floor) p50 / p99',
              value: `${ms(percentile(floorAll, 0.5))} / ${ms(percentile(floorAll, 0.99))}`,
            },
            ...kinds.map((kind) => {
              const sorted = (byKind: Map<string, number[]>) =>
                [...(byKind.get(kind) ?? [])].sort((x, y) => x - y);
              const a = sorted(api);
              return {
                name: `  ${kind} (${num(a.length)}): API p50 / p99, storage p99, floor p99`,
                value: `${ms(percentile(a, 0.5))} / ${ms(percentile(a, 0.99))}, ${ms(percentile(sorted(storage), 0.99))}, ${ms(percentile(sorted(floor), 0.99))}`,
              };
            }),
          ],
          notes: [`matches found per search, on average: ${num(found / searches)}`],
        },
      ];
    } finally {
      await worker.stop();
      await app.close();
    }
  } finally {
    await closeContext(ctx);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `npx tsx bench/dashboard/search.ts [sqlite|postgres|both] [records]`: on scratch databases. */
async function main() {
  const which = process.argv[2] ?? 'both';
  const records = Number(process.argv[3] ?? RECORDS);
  let met = true;
  const print = (sections: Section[]) => {
    for (const section of sections) {
      met = report(section.title, section.rows) && met;
      for (const line of section.notes ?? []) process.stdout.write(`  ${line}\n`);
    }
  };
  if (which === 'sqlite' || which === 'both') {
    const dir = tempDir();
    try {
      print(await benchSearch({ kind: 'sqlite', file: path.join(dir, 'switchboard.db') }, { records }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (which === 'postgres' || which === 'both') {
    const scratch = await postgresDatabase(
      process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    );
    try {
      print(await benchSearch({ kind: 'postgres', url: scratch.url, poolMax: 10 }, { records }));
    } finally {
      await scratch.drop();
    }
  }
  process.exit(met ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

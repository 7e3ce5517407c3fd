// Entry point of the sync benchmark's engine processes: `engine.ts MODE [ARGS]`, on the database
// the environment names, printing one JSON line `{ "msg": MODE, … }` with what it measured. Each
// mode runs in a fresh process of its own, so that one measurement's heap, JIT state and database
// do not leak into the next.
import fs from 'node:fs';
import { sql } from 'kysely';
import { request } from 'undici';
import { demoConnector } from '../../src/connectors/demo/index.js';
import type { Actor } from '../../src/modules/auth/principal.js';
import { RunReaper } from '../../src/modules/sync/engine/reaper.js';
import { SyncScheduler } from '../../src/modules/sync/engine/scheduler.js';
import { type Db, isPostgres } from '../../src/platform/db/database.js';
import { tuneHeapForServing } from '../../src/platform/heap-tuning.js';
import { PagedConnector } from '../../test/fakes/paged-connector.js';
import { percentile } from '../lib.js';
import {
  acceleratedClock,
  connectThroughApi,
  type Engine,
  openEngine,
  PER_PAGE,
  PROVIDER_TOKEN,
  runEnded,
  seedConnections,
  triggerSync,
  trivialConnector,
} from './harness.js';
import { postgresStorageFloorMs, sqliteStorageFloorMs } from './storage-floor.js';

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

// As `switchboard serve` and `switchboard worker` run the engine.
tuneHeapForServing();

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long the event loop went without turning: what timers (ticks, lease heartbeats) and requests
 * waited for, whatever held it. A 10 ms timer's lateness, the last wait (until `stop`) included.
 */
function watchLoop() {
  const every = 10;
  const late: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - last - every));
    last = now;
  }, every);
  return {
    stop() {
      clearInterval(timer);
      late.push(Math.max(0, performance.now() - last - every));
      late.sort((a, b) => a - b);
      return { p99Ms: percentile(late, 0.99), maxMs: late.at(-1) ?? 0 };
    },
  };
}

/** One full sync of the provider's records through the engine, on a new connection (every record created). */
async function engineSync(engine: Engine, providerUrl: string, records: number, name: string) {
  const id = await connectThroughApi(engine, 'paged-fake', name, {
    base_url: providerUrl,
    api_token: PROVIDER_TOKEN,
    per_page: PER_PAGE,
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const run = await runEnded(engine, await triggerSync(engine, id));
  const wallMs = performance.now() - started;
  if (run.stats.items_created !== records) {
    throw new Error(`expected ${records} records created, the run says ${JSON.stringify(run.stats)}`);
  }
  return { runMs: run.duration_ms!, wallMs, cpuMs: cpuMs(cpu) };
}

/**
 * CPU milliseconds (user + system) process `pid` has used so far, from /proc (Linux): null where
 * there is none. /proc counts in USER_HZ ticks, 100 a second on every Linux ABI.
 */
function processCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command's closing parenthesis, from the state (field 3): utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The baseline: the same pages fetched one after another with the HTTP client the engine's
 * connectors use (undici's request) and JSON.parse, nothing stored. With the CPU the provider
 * process spent serving them.
 */
async function bareLoop(providerUrl: string, records: number, providerPid: number) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const providerCpu = processCpuMs(providerPid);
  let count = 0;
  let page: number | null = 1;
  while (page !== null) {
    const response = await request(`${providerUrl}/items?page=${page}&per_page=${PER_PAGE}`, {
      headers: { authorization: `Bearer ${PROVIDER_TOKEN}`, accept: 'application/json' },
    });
    if (response.statusCode !== 200) throw new Error(`page ${page}: HTTP ${response.statusCode}`);
    const body = JSON.parse(await response.body.text()) as { data: unknown[]; next_page: number | null };
    count += body.data.length;
    page = body.next_page;
  }
  if (count !== records) throw new Error(`the bare loop read ${count} records, expected ${records}`);
  const providerNow = processCpuMs(providerPid);
  return {
    ms: performance.now() - started,
    cpuMs: cpuMs(cpu),
    providerCpuMs: providerCpu === null || providerNow === null ? null : providerNow - providerCpu,
  };
}

/** CPU milliseconds (user + system) this process used since `since`: all threads, the GC's included. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * Engine vs bare loop, alternated ROUNDS times after one untimed round of each (JIT, connection
 * pools, SQLite's page cache). Each keeps every round; the parent takes the best (noise only ever
 * slows a round down).
 */
async function throughput(providerUrl: string, records: number, rounds: number, providerPid: number) {
  const engine = await openEngine({ connectors: [new PagedConnector()] });
  try {
    await bareLoop(providerUrl, records, providerPid);
    await engineSync(engine, providerUrl, records, 'Warm-up');
    const bare: Awaited<ReturnType<typeof bareLoop>>[] = [];
    const runs: { runMs: number; wallMs: number; cpuMs: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(await bareLoop(providerUrl, records, providerPid));
      runs.push(await engineSync(engine, providerUrl, records, `Round ${round}`));
    }
    const { db } = engine.ctx.database;
    const floorMs = isPostgres(db)
      ? await postgresStorageFloorMs(db, records, PER_PAGE)
      : sqliteStorageFloorMs(await tableSql(engine, 'sync_records'), records, PER_PAGE);
    print({
      msg: 'throughput',
      floorMs,
      records,
      bareMs: bare.map((b) => b.ms),
      bareCpuMs: bare.map((b) => b.cpuMs),
      providerCpuMs: bare.some((b) => b.providerCpuMs === null) ? null : bare.map((b) => b.providerCpuMs),
      runMs: runs.map((r) => r.runMs),
      runCpuMs: runs.map((r) => r.cpuMs),
      wallMs: runs.map((r) => r.wallMs),
    });
  } finally {
    await engine.close();
  }
}

/**
 * The engine serving its API on a socket, as a deployed `serve` process does, with `connections`
 * connections of the demo connector ready to sync `records` users each (the demo computes its pages:
 * all of a sync's work is on this process's threads), after one untimed sync (JIT, SQLite's page
 * cache). The bench process calls the API from outside and triggers the syncs. Runs until stopped.
 */
async function serve(records: number, connections: number) {
  const engine = await openEngine({ connectors: [demoConnector] });
  const demo = { api_token: 'bench', users: records, groups: 0, repositories: 0 };
  await runEnded(engine, await triggerSync(engine, await connectThroughApi(engine, 'demo', 'Warm-up', demo)));
  const ids: string[] = [];
  for (let i = 0; i < connections; i++) ids.push(await connectThroughApi(engine, 'demo', `Demo ${i}`, demo));
  const url = await engine.app.listen({ port: 0, host: '127.0.0.1' });
  print({ msg: 'serve', url, token: engine.token, connections: ids });
  // The listening socket keeps the process up; SIGTERM ends it.
  await new Promise(() => {});
}

/** The CREATE TABLE statement SQLite keeps for `table`. */
async function tableSql(engine: Engine, table: string): Promise<string> {
  const { rows } = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(engine.ctx.database.db);
  if (!rows[0]) throw new Error(`no table ${table}`);
  return rows[0].sql;
}

/**
 * One sync of `records` in this fresh process; its peak resident set at the end. A run still going
 * after `timeoutMs` is cancelled and reported unfinished, with how far it got.
 */
async function memory(providerUrl: string, records: number, timeoutMs: number) {
  const engine = await openEngine({ connectors: [new PagedConnector()] });
  try {
    const id = await connectThroughApi(engine, 'paged-fake', 'Memory', {
      base_url: providerUrl,
      api_token: PROVIDER_TOKEN,
      per_page: PER_PAGE,
    });
    const started = performance.now();
    // Where the memory is, sampled while the run goes: V8's heap, or outside it.
    let peakHeap = 0;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapTotal);
    }, 200);
    const runId = await triggerSync(engine, id);
    // Polled slowly: the poll itself should cost nothing next to the run.
    const run = await runEnded(engine, runId, 100, timeoutMs);
    clearInterval(sampler);
    const finished = run.completed_at !== null;
    if (!finished) await engine.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    else if (run.stats.items_created !== records) throw new Error(`run stats ${JSON.stringify(run.stats)}`);
    print({
      msg: 'memory',
      records,
      finished,
      synced: run.stats.items_synced,
      // Kibibytes on Linux.
      maxRssKiB: process.resourceUsage().maxRSS,
      runMs: run.duration_ms ?? performance.now() - started,
      wallMs: performance.now() - started,
      peakHeapKiB: peakHeap / 1024,
    });
  } finally {
    await engine.close();
  }
}

/**
 * CONNECTIONS connections with their slots spread evenly over WINDOW_MS of clock time, which runs
 * SPEED times faster than real time; the scheduler ticks every `SWITCHBOARD_SCHEDULER_INTERVAL_MS`
 * real milliseconds, as the worker's tick does, followed by the reaper and the health checks (what
 * else runs on that tick). Runs are executed by the worker meanwhile (the trivial connector), as in
 * `serve`, so execution competes with scheduling for the one event loop.
 *
 * Dispatch lag, in real time: the real moment the run's id was handed to the queue (the dispatch
 * callback returned) minus the real moment the clock read the run's `scheduled_for`. A slot waits
 * for the next tick (up to one tick interval), then for the tick to work through every slot due
 * before it; both are real-time costs, so they are not scaled. The acceleration only packs SPEED
 * times more due slots into each real second than the real fleet would: it makes the test harder.
 * (Leases are on the fast clock too, 1/SPEED of their real length: runs here last milliseconds.)
 */
async function scheduler(connections: number, windowMs: number, speed: number) {
  const origin = new Date(Math.ceil(Date.now() / 1000) * 1000);
  const clock = acceleratedClock(origin, speed);
  const engine = await openEngine({ connectors: [trivialConnector()], clock, tick: false });
  try {
    const { db } = engine.ctx.database;
    const settings = engine.ctx.config.sync;
    // Evenly spread: slot i falls (i + 1)/N of the way through the window.
    const slot = (i: number) => new Date(origin.getTime() + ((i + 1) / connections) * windowMs);
    const seedStarted = performance.now();
    await seedConnections(engine, 'scripted', connections, (i) => slot(i).toISOString());
    const seedMs = performance.now() - seedStarted;

    const dispatchedAt = new Map<string, number>();
    const dispatch = async (runId: string) => {
      await engine.app.services.sync.dispatch(runId);
      dispatchedAt.set(runId, performance.now());
    };
    const logger = engine.ctx.logger;
    const sched = new SyncScheduler(db, settings, dispatch, logger);
    const reaper = new RunReaper(db, engine.app.services.queue, settings, dispatch, logger);
    const tickMs: number[] = [];
    const tick = async () => {
      const started = performance.now();
      await sched.scheduleDue(clock.now());
      await reaper.reap(clock.now());
      await engine.app.services.health.runDue(clock.now());
      tickMs.push(performance.now() - started);
    };
    const loop = watchLoop();
    const realStart = clock.run();
    let ticking: Promise<void> | undefined;
    const timer = setInterval(() => {
      // As the worker does: a slow tick is not stacked, the next starts after it ends.
      ticking ??= tick().finally(() => {
        ticking = undefined;
      });
    }, settings.tickMs);
    const deadline = realStart + windowMs / speed + 30_000;
    while (dispatchedAt.size < connections && performance.now() < deadline) await sleep(100);
    clearInterval(timer);
    await ticking;
    const realMs = performance.now() - realStart;
    const loopDelay = loop.stop();

    const runs = await db.selectFrom('sync_runs').select(['id', 'scheduled_for']).execute();
    const lags: number[] = [];
    for (const run of runs) {
      const at = dispatchedAt.get(run.id);
      if (at === undefined || run.scheduled_for === null) continue;
      lags.push(at - clock.realAt(new Date(run.scheduled_for)));
    }
    const dispatched = lags.length;
    // Slots the scheduler never got to (all were due by now) wait at least until now: counted so.
    const stoppedAt = performance.now();
    for (let i = 0; i < connections; i++) {
      if (lags.length >= connections) break;
      const due = clock.realAt(slot(connections - 1 - i));
      lags.push(stoppedAt - due);
    }
    lags.sort((a, b) => a - b);
    // Let the last runs finish, so their executions were part of the load too.
    for (let i = 0; i < 100; i++) {
      const active = await db
        .selectFrom('sync_runs')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', 'in', ['pending', 'running'])
        .executeTakeFirstOrThrow();
      if (Number(active.n) === 0) break;
      await sleep(100);
    }
    const completed = await db
      .selectFrom('sync_runs')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', '=', 'completed')
      .executeTakeFirstOrThrow();
    tickMs.sort((a, b) => a - b);
    print({
      msg: 'scheduler',
      connections,
      seedMs,
      realMs,
      runs: runs.length,
      dispatched,
      completed: Number(completed.n),
      lagP50Ms: percentile(lags, 0.5),
      lagP99Ms: percentile(lags, 0.99),
      lagMaxMs: lags.at(-1),
      ticks: tickMs.length,
      tickTotalMs: tickMs.reduce((a, b) => a + b, 0),
      tickP50Ms: percentile(tickMs, 0.5),
      tickMaxMs: tickMs.at(-1),
      loopDelayP99Ms: loopDelay.p99Ms,
      loopDelayMaxMs: loopDelay.maxMs,
    });
  } finally {
    await engine.close();
  }
}

/**
 * ROUNDS rounds of `runs` manual runs of the trivial connector, one per connection, triggered
 * through the service by `parallel` callers at once (as concurrent API requests would), executed by
 * the embedded worker, after `warmup` untimed. A round's runs per second = runs / (its last run's
 * completed_at − the moment its first trigger was made). Each round is kept; the parent takes the
 * best (noise only ever slows a round down), as for throughput.
 */
async function runsPerSecond(runs: number, warmup: number, parallel: number, rounds: number) {
  const engine = await openEngine({ connectors: [trivialConnector()] });
  try {
    const { db } = engine.ctx.database;
    const ids = await seedConnections(engine, 'scripted', warmup + runs * rounds, () => null);
    const actor: Actor = { type: 'user', id: engine.userId, name: 'Bench', requestId: null, ip: null };
    const sync = engine.app.services.sync;
    const finished = async (n: number) => {
      for (;;) {
        const row = await db
          .selectFrom('sync_runs')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('status', 'in', ['completed', 'partial', 'failed', 'cancelled'])
          .executeTakeFirstOrThrow();
        if (Number(row.n) >= n) return;
        await sleep(10);
      }
    };
    const triggerAll = async (batch: string[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < batch.length) {
            const id = batch[next++]!;
            await sync.trigger({ orgId: engine.orgId, actor, now: engine.ctx.clock.now() }, id, false);
          }
        }),
      );
    };
    await triggerAll(ids.slice(0, warmup));
    await finished(warmup);

    const measured: { elapsedMs: number; triggeredMs: number; loopDelayMaxMs: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      const batch = ids.slice(warmup + round * runs, warmup + (round + 1) * runs);
      const loop = watchLoop();
      const startedAt = Date.now();
      const started = performance.now();
      await triggerAll(batch);
      const triggeredMs = performance.now() - started;
      await finished(warmup + (round + 1) * runs);
      const loopDelay = loop.stop();
      const ended = await db
        .selectFrom('sync_runs')
        .select(['status', 'completed_at'])
        .where('connection_id', 'in', batch)
        .execute();
      const notCompleted = ended.filter((r) => r.status !== 'completed').length;
      if (ended.length !== runs || notCompleted > 0) {
        throw new Error(`${ended.length} runs, ${notCompleted} of them not completed`);
      }
      const lastCompleted = Math.max(...ended.map((r) => Date.parse(r.completed_at!)));
      measured.push({ elapsedMs: lastCompleted - startedAt, triggeredMs, loopDelayMaxMs: loopDelay.maxMs });
    }
    print({
      msg: 'runs',
      roundTripsPerSecond: isPostgres(db) ? await roundTripsPerSecond(db, parallel) : null,
      runs,
      parallel,
      concurrency: engine.ctx.config.sync.concurrency,
      elapsedMs: measured.map((m) => m.elapsedMs),
      triggeredMs: measured.map((m) => m.triggeredMs),
      loopDelayMaxMs: measured.map((m) => m.loopDelayMaxMs),
    });
  } finally {
    await engine.close();
  }
}

/**
 * Trivial statements (`select 1`) the database answers per second to `parallel` callers through the
 * engine's own pool: what each of a run's statements costs at least, whatever it does.
 */
async function roundTripsPerSecond(db: Db, parallel: number, forMs = 3_000): Promise<number> {
  let count = 0;
  const until = performance.now() + forMs;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < until) {
        await sql`select 1`.execute(db);
        count += 1;
      }
    }),
  );
  return (count / forMs) * 1000;
}

const [mode, ...args] = process.argv.slice(2);
const n = (i: number) => Number(args[i]);
try {
  if (mode === 'throughput') await throughput(args[0]!, n(1), n(2), n(3));
  else if (mode === 'memory') await memory(args[0]!, n(1), n(2));
  else if (mode === 'scheduler') await scheduler(n(0), n(1), n(2));
  else if (mode === 'runs') await runsPerSecond(n(0), n(1), n(2), n(3));
  else if (mode === 'serve') await serve(n(0), n(1));
  else throw new Error(`unknown mode ${mode}`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
process.exit(0);

import { type Row, report } from '../../lib.js';
import { freshStore, type Store } from '../switchboard.js';
import { type Deployment, deploy } from './deployment.js';
import { createEndpoint, DISPATCHER_BATCH, type DrainRound, type Drains, drainRounds } from './drain.js';
import { type FannedOut, fanOut } from './fan-out.js';
import { recordFloor } from './floor.js';
import { arrivals, clean, median, ms, num, p99, spentText, spread, stopped, waitRows } from './format.js';
import { type Paced, pacedPublish, publishAlone } from './latency.js';
import { EVENT_TYPES } from './payload.js';
import { type Sink, type SinkStats, startSink } from './sink-client.js';

// 1. Drain: DRAIN_COUNT messages enqueued in bulk beforehand, delivered by Switchboard's dispatcher,
// against the bare loop posting as many of the same bodies, signed alike, to the same sink with the
// same concurrency; a warm-up each, then ROUNDS rounds side by side in alternating order.
const DRAIN_COUNT = 5_000;
const WARMUP_COUNT = 1_000;
const ROUNDS = 5;
const TARGET_BARE_RATIO = 0.5;
// 2. Latency: RATE events a second published through the API for LATENCY_SECONDS, open loop.
const RATE = 500;
/** BENCH_OUTBOUND_SECONDS shortens the paced runs for a quick look (the target is for 60 s). */
const LATENCY_SECONDS = Number(process.env.BENCH_OUTBOUND_SECONDS || 60);
/** BENCH_OUTBOUND_RATES=100,250: paced runs at these rates too, before RATE's (where the latency goes as load grows). */
const LOWER_RATES = (process.env.BENCH_OUTBOUND_RATES || '')
  .split(',')
  .map(Number)
  .filter((rate) => rate > 0 && rate !== RATE);
const LATENCY_WARMUP_SECONDS = 5;
const GIVE_UP_SECONDS = 2;
const TARGET_P99_MS = 250;
/** How long each floor is measured, where a target was missed. */
const FLOOR_SECONDS = 10;
// 3. Fan-out: one event to FAN_OUT endpoints.
const FAN_OUT = 1_000;
/** How long deliveries are waited for, after a round or the paced publishing ended. */
const TIMEOUT_MS = 120_000;

const POSTGRES_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** BENCH_OUTBOUND_PARTS=drain,latency,fan-out runs only those parts (all by default). */
const PARTS = new Set((process.env.BENCH_OUTBOUND_PARTS || 'drain,latency,fan-out').split(','));
/** BENCH_OUTBOUND_DIALECTS=sqlite or postgres runs only that deployment (both by default). */
const DIALECTS = (process.env.BENCH_OUTBOUND_DIALECTS || 'sqlite,postgres')
  .split(',')
  .filter((d): d is Store['dialect'] => d === 'sqlite' || d === 'postgres');
/** BENCH_CPU_PROF=<dir>: Switchboard's processes write V8 CPU profiles there (node --cpu-prof). */
const PROFILE_DIR = process.env.BENCH_CPU_PROF;

function describeDrains(rounds: DrainRound[]): string {
  return (
    `median ${num(median(rounds.map((r) => r.perSecond)))} deliveries/s ` +
    `(rounds: ${rounds.map((r) => num(r.perSecond)).join(', ')}); ` +
    `CPU a delivery ${num(median(rounds.map((r) => r.cpuMicros)))} µs`
  );
}

function checkedDrains(rounds: DrainRound[]): { value: string; pass: boolean } {
  const sent = rounds.reduce((n, r) => n + r.count, 0);
  const missing = rounds.reduce((n, r) => n + r.missing, 0);
  const unexpected = rounds.reduce((n, r) => n + r.unexpected, 0);
  const stats = rounds.map((r) => r.stats);
  const total = (f: (s: SinkStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  const merged: SinkStats = {
    ...stats[0]!,
    received: total((s) => s.received),
    distinct: total((s) => s.distinct),
    eventIds: stats.flatMap((s) => s.eventIds),
    verified: total((s) => s.verified),
    unverified: total((s) => s.unverified),
    malformed: total((s) => s.malformed),
  };
  const succeeded = rounds.every((r) => r.allSucceeded);
  return {
    value:
      `${num(sent)} sent, ${arrivals(merged)}; ${num(missing)} missing, ${num(unexpected)} unexpected` +
      `${succeeded ? '' : '; NOT every one recorded as succeeded'}`,
    pass: missing === 0 && unexpected === 0 && succeeded && stats.every(clean),
  };
}

function drainRows(m: Drains, dialect: Store['dialect']): Row[] {
  const ratios = m.switchboard.map((s, i) => s.perSecond / m.bare[i]!.perSecond);
  const sbChecked = checkedDrains(m.switchboard);
  const bareChecked = checkedDrains(m.bare);
  return [
    {
      name: `bare undici loop: sign, POST, 200 (${m.bare.length} × ${num(DRAIN_COUNT)})`,
      value: describeDrains(m.bare),
    },
    {
      name: `Switchboard dispatcher: claim, sign, POST, record (${num(DRAIN_COUNT)} enqueued in bulk beforehand)`,
      value: `${describeDrains(m.switchboard)}${dialect === 'postgres' ? ' (worker + PostgreSQL backends)' : ''}`,
    },
    {
      name: `ratio Switchboard/bare (median, ${ROUNDS} paired rounds)`,
      value: `${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      target: `≥ ${TARGET_BARE_RATIO}`,
      pass: median(ratios) >= TARGET_BARE_RATIO,
    },
    { name: 'every delivery checked: Switchboard drains', ...sbChecked },
    { name: 'every delivery checked: bare loop', ...bareChecked },
  ];
}

/** The rows of a paced run at `rate`: held to the target only at RATE. */
function latencyRows(p: Paced, rate: number): Row[] {
  const refused = Object.entries(p.publish.refused)
    .map(([status, n]) => `${num(n)} × ${status === '0' ? 'no answer' : `HTTP ${status}`}`)
    .join(', ');
  const cut = stopped(p.publish, GIVE_UP_SECONDS);
  const published = p.ids.size;
  const behind = published - p.atEnd.events;
  return [
    {
      name: `committed → delivered, ${num(rate)} events/s for ${LATENCY_SECONDS} s (open loop)`,
      value: `${spread(p.stats.fromCommit)} (${num(p.stats.fromCommit.length)} deliveries${cut})`,
      ...(rate === RATE && {
        target: `p99 < ${TARGET_P99_MS} ms`,
        pass:
          p.publish.gaveUpAfterSeconds === undefined &&
          p.missing === 0 &&
          p99(p.stats.fromCommit) < TARGET_P99_MS,
      }),
    },
    {
      name: 'sent → delivered (from the schedule: the publish call included)',
      value: spread(p.stats.fromDue),
    },
    {
      name: 'POST /api/v1/events acknowledged (from the schedule)',
      value: `${spread(p.publish.sorted)}; ${num(published)} of ${num(p.publish.sent)} accepted${refused ? `; REFUSED ${refused}` : ''}`,
    },
    {
      name: 'delivery kept up? at the last acknowledgement',
      value:
        `${num(published)} published, ${num(p.atEnd.events)} delivered: ` +
        `${behind <= 0 ? 'kept up' : `${num(behind)} behind`}; the last delivered ${ms(p.drainMs)} later`,
    },
    {
      name: "Switchboard's CPU meanwhile (publish, fan-out, delivery)",
      value: spentText(p.spent),
    },
    ...waitRows(p.spent.waits, 'during the paced run'),
    {
      name: 'every delivery checked: paced events',
      value: `${num(published)} published, ${arrivals(p.stats)}; ${num(p.missing)} missing, ${num(p.unexpected)} unexpected`,
      pass: p.missing === 0 && p.unexpected === 0 && clean(p.stats),
    },
  ];
}

/**
 * Why the latency target was missed: the API's part alone at the same rate, and the whole way at
 * a fifth of it (what a delivery takes when the processes are not saturated).
 */
async function latencyFloorRows(d: Deployment, sink: Sink): Promise<Row[]> {
  const load = { seconds: FLOOR_SECONDS, giveUpSeconds: GIVE_UP_SECONDS };
  const alone = await publishAlone(d, { rate: RATE, ...load });
  const slowly = await pacedPublish(
    d,
    sink,
    await createEndpoint(d, sink, 'paced-slowly', EVENT_TYPES.slow),
    EVENT_TYPES.slow,
    { rate: RATE / 5, warmUpSeconds: 1, drainTimeoutMs: TIMEOUT_MS, ...load },
  );
  return [
    {
      name: `floor, publishing alone at ${num(RATE)}/s for ${FLOOR_SECONDS} s (no endpoint subscribed)`,
      value: `acknowledged ${spread(alone.publish.sorted)}${stopped(alone.publish, GIVE_UP_SECONDS)}; ${spentText(alone.spent)}`,
    },
    ...waitRows(alone.spent.waits, 'publishing alone'),
    {
      name: `committed → delivered at ${num(RATE / 5)} events/s for ${FLOOR_SECONDS} s`,
      value:
        `${spread(slowly.stats.fromCommit)} (${num(slowly.stats.fromCommit.length)} deliveries${stopped(slowly.publish, GIVE_UP_SECONDS)}; ` +
        `${num(slowly.missing)} missing); publish acknowledged ${spread(slowly.publish.sorted)}; ${spentText(slowly.spent)}`,
    },
  ];
}

/** Why the drain ratio was missed: recording a delivery raw, one commit each or grouped. */
async function drainFloorRows(d: Deployment, m: Drains): Promise<Row[]> {
  const messages = await d.database.db
    .selectFrom('webhook_messages')
    .select(['id', 'endpoint_id'])
    .where('endpoint_id', 'in', m.endpointIds)
    .execute();
  const floor = await recordFloor(d.store, messages);
  const bare = median(m.bare.map((r) => r.perSecond));
  const switchboard = median(m.switchboard.map((r) => r.perSecond));
  const rows: Row[] = [];
  try {
    for (const [group, callers, what] of [
      [1, DISPATCHER_BATCH, `one commit each, ${DISPATCHER_BATCH} at once`],
      [DISPATCHER_BATCH, 1, `${DISPATCHER_BATCH} a commit`],
    ] as const) {
      const perSecond = await floor.perSecond(group, callers, FLOOR_SECONDS);
      rows.push({
        name: `floor, raw insert attempt + update message per delivery, ${what}`,
        value:
          `${num(perSecond)} deliveries/s = ${(perSecond / bare).toFixed(2)} × bare; ` +
          `Switchboard reaches ${num((switchboard / perSecond) * 100)}% of it`,
      });
    }
  } finally {
    await floor.close();
  }
  return rows;
}

function fanOutRows(f: FannedOut): Row[] {
  return [
    {
      name: `${num(f.endpoints)} endpoints created through the API (setup)`,
      value: `${num(f.setupMs / 1000, 1)} s`,
    },
    {
      name: `one event → its ${num(f.endpoints)} messages in the database (from its commit)`,
      value: ms(f.messagesMs),
    },
    {
      name: `one event → delivered to all ${num(f.endpoints)} (from its commit)`,
      value: `first ${ms(f.firstDeliveryMs)}, last ${ms(f.allDeliveredMs)}; all recorded succeeded at ${ms(f.settledMs)}`,
    },
    {
      name: 'every delivery checked: fan-out',
      value:
        `${num(f.stats.distinct)} webhook-ids at ${num(f.stats.paths)} endpoints, ${num(f.stats.received)} requests; ` +
        `${num(f.succeeded)} recorded succeeded; signatures sampled: ${num(f.stats.verified)} verified` +
        `${f.stats.unverified > 0 ? `, ${num(f.stats.unverified)} NOT` : ''}`,
      pass:
        f.stats.distinct === f.endpoints &&
        f.stats.paths === f.endpoints &&
        f.stats.received === f.endpoints &&
        f.succeeded === f.endpoints &&
        clean(f.stats),
    },
  ];
}

async function benchDialect(dialect: Store['dialect']): Promise<Row[]> {
  const store = await freshStore(dialect === 'postgres' ? POSTGRES_ADMIN_URL : undefined);
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  let sink: Sink | undefined;
  let d: Deployment | undefined;
  try {
    sink = await startSink();
    d = await deploy(store, { nodeArgs, redisUrl: REDIS_URL });
    for (const name of Object.values(EVENT_TYPES)) {
      await d.call('POST', '/event-types', { name, description: 'Published by bench/webhooks outbound' });
    }
    const rows: Row[] = [];
    const missed = (some: Row[]) => some.some((r) => r.pass === false);
    let drained: Drains | undefined;
    if (PARTS.has('drain')) {
      drained = await drainRounds(d, sink, {
        rounds: ROUNDS,
        count: DRAIN_COUNT,
        warmUpCount: WARMUP_COUNT,
        timeoutMs: TIMEOUT_MS,
      });
      rows.push(...drainRows(drained, dialect));
    }
    if (PARTS.has('latency')) {
      const [deployment, pacedSink] = [d, sink];
      const endpoint = await createEndpoint(deployment, pacedSink, 'paced', EVENT_TYPES.latency);
      const paceAt = async (rate: number) =>
        latencyRows(
          await pacedPublish(deployment, pacedSink, endpoint, EVENT_TYPES.latency, {
            rate,
            seconds: LATENCY_SECONDS,
            warmUpSeconds: LATENCY_WARMUP_SECONDS,
            giveUpSeconds: GIVE_UP_SECONDS,
            drainTimeoutMs: TIMEOUT_MS,
          }),
          rate,
        );
      for (const rate of LOWER_RATES) rows.push(...(await paceAt(rate)));
      const paced = await paceAt(RATE);
      rows.push(...paced);
      // Its floors at once: the fan-out's 1,000 endpoints would weigh on every publish after.
      if (missed(paced)) rows.push(...(await latencyFloorRows(d, sink)));
    }
    if (PARTS.has('fan-out')) rows.push(...fanOutRows(await fanOut(d, sink, FAN_OUT, TIMEOUT_MS)));
    if (drained && missed(drainRows(drained, dialect))) rows.push(...(await drainFloorRows(d, drained)));
    return rows;
  } finally {
    await d?.stop();
    await sink?.stop();
    await store.drop();
  }
}

/**
 * Outbound webhooks (issue #18's bench): Switchboard's deliveries to a local sink, on SQLite
 * (`serve`) and on PostgreSQL + Redis (`api` + `worker`), each in a fresh database dropped after.
 */
export async function benchOutbound(): Promise<boolean> {
  let allMet = true;
  for (const dialect of DIALECTS) {
    const started = performance.now();
    let rows: Row[];
    try {
      rows = await benchDialect(dialect);
    } catch (error) {
      rows = [
        {
          name: dialect,
          value: `FAILED: ${error instanceof Error ? error.message : String(error)}`,
          pass: false,
        },
      ];
    }
    const deployment = dialect === 'sqlite' ? '`serve` embedded' : '`api` + `worker` with Redis';
    const met = report(
      `bench/webhooks outbound (${dialect}; ${deployment}; ~1 KB events to a local node:http sink; ` +
        `${num((performance.now() - started) / 1000)} s in all)`,
      rows,
    );
    allMet = met && allMet;
  }
  return allMet;
}

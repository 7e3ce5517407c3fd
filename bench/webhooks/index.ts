import crypto from 'node:crypto';
import path from 'node:path';
import { type Child, percentile, type Row, report, startNode } from '../lib.js';
import { DIY_QUEUE, redisPid, removeQueue } from './diy-queue.js';
import {
  FLOOR_TRANSACTIONS,
  type Floor,
  type FloorTransaction,
  postgresFloor,
  sqliteFloor,
} from './floor.js';
import { type Latencies, loadReceiver, paceReceiver, type Receiver, type Throughput } from './load.js';
import { benchOutbound } from './outbound/index.js';
import { WaitSampler, type Waits } from './pg-waits.js';
import {
  type Drained,
  freshStore,
  POSTGRES_POOL,
  type Store,
  type Switchboard,
  startSwitchboard,
} from './switchboard.js';

// 1. Throughput: SENDERS keep-alive connections in a closed loop, ~1 KB signed events; each receiver
// warmed up for WARMUP_SECONDS, then ROUNDS rounds of ROUND_SECONDS, the three back to back in an
// order that rotates (this shared 2-core VM drifts over seconds: only rounds side by side compare).
const SENDERS = 32;
const WARMUP_SECONDS = 2;
const ROUNDS = 5;
const ROUND_SECONDS = 3;
const TARGET_BARE_RATIO = 0.5;
const TARGET_DIY_RATIO = 2;
// 2. Latency: an open loop of RATE events a second for LATENCY_SECONDS; a receiver GIVE_UP_SECONDS
// of events behind will not catch up, and is not waited for longer.
const RATE = 1_000;
const LATENCY_SECONDS = 30;
const GIVE_UP_SECONDS = 2;
const TARGET_P99_MS = 25;
// Floors: FLOOR_SECONDS of raw commits; the latency floor at RATE for FLOOR_LATENCY_SECONDS.
const FLOOR_SECONDS = 3;
const FLOOR_LATENCY_SECONDS = 10;
// How long the processor is given to finish the events of a round, or of the latency run.
const DRAIN_TIMEOUT_MS = 60_000;

const POSTGRES_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const num = (v: number, digits = 0) =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number) => `${num(v, v < 10 ? 1 : 0)} ms`;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const refusals = (refused: Record<number, number>) =>
  Object.entries(refused)
    .map(([status, n]) => `${num(n)} × ${status === '0' ? 'no answer' : `HTTP ${status}`}`)
    .join(', ');

/** A baseline receiver in a process of its own (bench/webhooks/baselines.ts). */
function baseline(
  mode: 'bare' | 'diy',
  env: Record<string, string>,
): { process: Child; url: Promise<string> } {
  const child = startNode(['--import', 'tsx', path.join('bench', 'webhooks', 'baselines.ts'), mode], env);
  const url = child.line((l) => l.msg === 'listening').then((l) => String(l.url));
  // Awaited once the others have started; a failure before then is reported by theirs.
  url.catch(() => {});
  return { process: child, url };
}

interface Targets {
  bare: Receiver;
  diy: Receiver;
  switchboard: Receiver & { id: string };
}

interface Measured {
  bare: Throughput[];
  diy: Throughput[];
  switchboard: Throughput[];
  /** How long the processor took to finish each round's events after it ended. */
  drains: Drained[];
  /** Switchboard's 200s, warm-up included. */
  acknowledged: number;
  /** The DIY's 200s, warm-up included: each one a job in its queue. */
  queued: number;
  waits?: Waits;
}

async function throughput(t: Targets, sb: Switchboard, store: Store): Promise<Measured> {
  const m: Measured = { bare: [], diy: [], switchboard: [], drains: [], acknowledged: 0, queued: 0 };
  const names = ['bare', 'diy', 'switchboard'] as const;
  const load = async (name: (typeof names)[number], seconds: number) => {
    const result = await loadReceiver(t[name], SENDERS, seconds);
    if (name === 'switchboard') m.acknowledged += result.ok;
    if (name === 'diy') m.queued += result.ok;
    return result;
  };
  for (const name of names) await load(name, WARMUP_SECONDS);
  await sb.drained(t.switchboard.id, DRAIN_TIMEOUT_MS);
  // On PostgreSQL, what its backends do during Switchboard's rounds (only).
  const sampler = store.url ? new WaitSampler(store.url, 50) : undefined;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      const loading = load(name, ROUND_SECONDS);
      m[name].push(await (name === 'switchboard' && sampler ? sampler.during(loading) : loading));
      // The next receiver gets the machine to itself: the processor finishes first.
      if (name === 'switchboard') m.drains.push(await sb.drained(t.switchboard.id, DRAIN_TIMEOUT_MS));
    }
  }
  if (sampler) m.waits = sampler.summary();
  return m;
}

/** `helpers` names the processes besides the receiver's own whose CPU is part of its cost. */
function describe(rounds: Throughput[], helpers?: string): string {
  const refused = rounds.reduce<Record<number, number>>((all, r) => {
    for (const [status, n] of Object.entries(r.refused)) all[Number(status)] = (all[Number(status)] ?? 0) + n;
    return all;
  }, {});
  const failures = refusals(refused);
  return (
    `median ${num(median(rounds.map((r) => r.perSecond)))} events/s ` +
    `(rounds: ${rounds.map((r) => num(r.perSecond)).join(', ')}; ` +
    `CPU an event ${cpu(rounds, helpers)}` +
    `${failures ? `; REFUSED ${failures}` : ''})`
  );
}

function cpu(rounds: Throughput[], helpers?: string): string {
  const own = median(rounds.map((r) => r.cpuMicros.own));
  if (!helpers) return `${num(own)} µs`;
  const theirs = median(rounds.map((r) => r.cpuMicros.helpers));
  return `${num(own + theirs)} µs: ${num(own)} its process + ${num(theirs)} ${helpers}`;
}

function throughputRows(m: Measured, dialect: Store['dialect']): Row[] {
  const bareRatios = m.switchboard.map((s, i) => s.perSecond / m.bare[i]!.perSecond);
  const diyRatios = m.switchboard.map((s, i) => s.perSecond / m.diy[i]!.perSecond);
  const clean = [...m.bare, ...m.diy, ...m.switchboard].every((r) => Object.keys(r.refused).length === 0);
  const rows: Row[] = [
    {
      name: 'bare Fastify route: raw body, HMAC, 200',
      value: describe(m.bare),
    },
    {
      name: 'do-it-yourself: Express, HMAC, BullMQ add, 200',
      value: describe(m.diy, 'Redis'),
    },
    {
      name: 'Switchboard: verified, committed, 200',
      value:
        `${describe(m.switchboard, dialect === 'postgres' ? 'PostgreSQL' : undefined)}; ` +
        `each round's events processed: ${m.drains.map(drainedText).join(', ')}`,
    },
    {
      name: `ratio Switchboard/bare (median, ${ROUNDS} paired rounds)`,
      value: `${median(bareRatios).toFixed(2)} (rounds: ${bareRatios.map((r) => r.toFixed(2)).join(', ')})`,
      target: `≥ ${TARGET_BARE_RATIO}`,
      pass: clean && median(bareRatios) >= TARGET_BARE_RATIO,
    },
    {
      name: `ratio Switchboard/DIY (median, ${ROUNDS} paired rounds)`,
      value: `${median(diyRatios).toFixed(2)} (rounds: ${diyRatios.map((r) => r.toFixed(2)).join(', ')})`,
      target: `≥ ${TARGET_DIY_RATIO}`,
      pass: clean && median(diyRatios) >= TARGET_DIY_RATIO,
    },
  ];
  if (m.waits) {
    const shares = m.waits.shares
      .filter(([, share]) => share >= 0.005)
      .map(([state, share]) => `${state} ${num(share * 100)}%`)
      .join(', ');
    rows.push({
      name: "PostgreSQL backends during Switchboard's rounds (sampled)",
      value: `${shares}${m.waits.lockedStatement ? `; the statement waiting for a row lock: ${oneLine(m.waits.lockedStatement)}` : ''}`,
    });
  }
  return rows;
}

const drainedText = (d: Drained) =>
  d.left === 0 ? `all within ${ms(d.ms)}` : `${num(d.left)} STILL WAITING after ${ms(d.ms)}`;

const oneLine = (statement: string) => statement.replace(/\s+/g, ' ').slice(0, 90);

function latencyValue(l: Latencies): string {
  const p = (q: number) => ms(percentile(l.sorted, q));
  const failures = refusals(l.refused);
  const cut =
    l.gaveUpAfterSeconds === undefined
      ? ''
      : `; STOPPED after ${num(l.gaveUpAfterSeconds, 1)} s, ${num(RATE * GIVE_UP_SECONDS)} events behind: ` +
        'the receiver cannot take this rate, and events never sent would have waited longer still';
  return `p50 ${p(0.5)}, p99 ${p(0.99)}, max ${ms(l.sorted.at(-1) ?? Number.NaN)} (${num(l.ok)} acknowledged of ${num(l.sent)} sent${failures ? `; REFUSED ${failures}` : ''}${cut})`;
}

async function latency(
  receiver: Receiver & { id: string },
  sb: Switchboard,
): Promise<{ rows: Row[]; acknowledged: number }> {
  const l = await paceReceiver(receiver, RATE, LATENCY_SECONDS, GIVE_UP_SECONDS);
  const atEnd = await sb.counters(receiver.id);
  const drain = await sb.drained(receiver.id, DRAIN_TIMEOUT_MS);
  const p99 = percentile(l.sorted, 0.99);
  const backlog = atEnd.total_received - atEnd.total_processed - atEnd.total_failed;
  return {
    acknowledged: l.ok,
    rows: [
      {
        name: `ack latency, ${num(RATE)} events/s open loop, ${LATENCY_SECONDS} s`,
        value: latencyValue(l),
        target: `p99 < ${TARGET_P99_MS} ms`,
        pass: l.gaveUpAfterSeconds === undefined && l.ok === l.sent && p99 < TARGET_P99_MS,
      },
      {
        name: 'processor kept up? accepted vs processed at the last answer',
        value:
          `${num(atEnd.total_received)} accepted, ${num(atEnd.total_processed)} processed, ` +
          `${num(atEnd.total_failed)} failed: ${backlog === 0 ? 'kept up' : `${num(backlog)} behind`}; ` +
          `then ${drainedText(drain)}`,
      },
    ],
  };
}

/** Every 200 Switchboard answered is an event stored: its event lists and its counters agree. */
async function storedRow(sb: Switchboard, acknowledged: Map<string, number>): Promise<Row> {
  let stored = 0;
  let received = 0;
  for (const id of acknowledged.keys()) {
    stored += await sb.storedEvents(id);
    received += (await sb.counters(id)).total_received;
  }
  const acked = [...acknowledged.values()].reduce((a, b) => a + b, 0);
  return {
    name: 'Switchboard: every 200 is a stored event',
    value: `${num(acked)} acknowledged, ${num(stored)} in the event lists, ${num(received)} total_received`,
    pass: acked === stored && stored === received,
  };
}

// What each floor commits per event (floor.ts): what any receiver storing before it answers must
// commit, and Switchboard's receive transaction.
const FLOOR_NAMES: Record<FloorTransaction, string> = {
  event: 'event row only',
  receiver: 'receive tx (event + count row + outbox)',
};

/** What committing each event costs this database here, against what the targets ask. */
async function throughputFloorRows(floor: Floor, m: Measured): Promise<Row[]> {
  const bare = median(m.bare.map((r) => r.perSecond));
  const diy = median(m.diy.map((r) => r.perSecond));
  const switchboard = median(m.switchboard.map((r) => r.perSecond));
  const needed = Math.max(bare * TARGET_BARE_RATIO, diy * TARGET_DIY_RATIO);
  const rows: Row[] = [];
  for (const tx of FLOOR_TRANSACTIONS) {
    const c = await floor.throughput(tx, SENDERS, FLOOR_SECONDS);
    const perSecond = c.ok / c.seconds;
    rows.push({
      name: `floor, raw commit per event: ${FLOOR_NAMES[tx]}`,
      value:
        `${num(perSecond)} events/s = ${(perSecond / bare).toFixed(2)} × bare, ${(perSecond / diy).toFixed(2)} × DIY` +
        `; Switchboard reaches ${num((switchboard / perSecond) * 100)}% of it` +
        (tx === 'event' && perSecond < needed
          ? `: the targets (${num(needed)} events/s) are out of reach here for any receiver committing each event before answering`
          : ''),
    });
  }
  return rows;
}

async function latencyFloorRows(floor: Floor, bare: Receiver): Promise<Row[]> {
  const rows: Row[] = [];
  for (const tx of ['event', 'receiver'] as const) {
    rows.push({
      name: `floor, raw commits at ${num(RATE)}/s, ${FLOOR_LATENCY_SECONDS} s: ${FLOOR_NAMES[tx]}`,
      value: latencyValue(await floor.latency(tx, RATE, FLOOR_LATENCY_SECONDS, GIVE_UP_SECONDS)),
    });
  }
  rows.push({
    name: `floor, bare Fastify route at ${num(RATE)}/s, ${FLOOR_LATENCY_SECONDS} s (HTTP + client)`,
    value: latencyValue(await paceReceiver(bare, RATE, FLOOR_LATENCY_SECONDS, GIVE_UP_SECONDS)),
  });
  return rows;
}

/** One dialect: the three receivers side by side, then Switchboard's latency, then floors where missed. */
async function benchDialect(dialect: Store['dialect']): Promise<Row[]> {
  const store = await freshStore(dialect === 'postgres' ? POSTGRES_ADMIN_URL : undefined);
  const secret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
  const prefix = `sb-bench-webhooks-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const bare = baseline('bare', { BENCH_SECRET: secret });
  const diy = baseline('diy', {
    BENCH_SECRET: secret,
    BENCH_REDIS_URL: REDIS_URL,
    BENCH_QUEUE_PREFIX: prefix,
  });
  let sb: Switchboard | undefined;
  let removed = false;
  try {
    sb = await startSwitchboard(store);
    const redis = await redisPid(REDIS_URL);
    const targets: Targets = {
      bare: {
        origin: await bare.url,
        path: '/hook',
        secret,
        pid: bare.process.child.pid!,
        helpers: async () => [],
      },
      diy: {
        origin: await diy.url,
        path: '/hook',
        secret,
        pid: diy.process.child.pid!,
        helpers: async () => [redis],
      },
      switchboard: await sb.webhook('Throughput'),
    };
    const m = await throughput(targets, sb, store);
    const rows = throughputRows(m, dialect);
    const missedThroughput = rows.some((r) => r.pass === false);
    const paced = await sb.webhook('Latency');
    const lat = await latency(paced, sb);
    rows.push(...lat.rows);
    rows.push(
      await storedRow(
        sb,
        new Map([
          [targets.switchboard.id, m.acknowledged],
          [paced.id, lat.acknowledged],
        ]),
      ),
    );
    // The floors are measured with the receivers stopped (the bare one aside): the database to itself.
    await Promise.all([sb.stop(), diy.process.stop()]);
    const jobs = await removeQueue(REDIS_URL, prefix);
    removed = true;
    rows.push({
      name: `do-it-yourself: every 200 is a job in queue "${DIY_QUEUE}"`,
      value: `${num(m.queued)} acknowledged, ${num(jobs)} jobs`,
      pass: jobs === m.queued,
    });
    const missedLatency = lat.rows[0]!.pass === false;
    if (missedThroughput || missedLatency) {
      const floor =
        dialect === 'postgres'
          ? await postgresFloor(store, targets.switchboard.id, POSTGRES_POOL)
          : sqliteFloor(store, targets.switchboard.id);
      try {
        if (missedThroughput) rows.push(...(await throughputFloorRows(floor, m)));
        if (missedLatency) rows.push(...(await latencyFloorRows(floor, targets.bare)));
      } finally {
        await floor.close();
      }
    }
    return rows;
  } finally {
    await Promise.all([sb?.stop(), bare.process.stop(), diy.process.stop()]);
    if (!removed) await removeQueue(REDIS_URL, prefix);
    await store.drop();
  }
}

/**
 * Switchboard's webhook receiver (`switchboard serve`, embedded: the processor in the same process)
 * against a bare HMAC-checking Fastify route and a do-it-yourself Express + BullMQ receiver, each in a
 * process of its own, on SQLite and then on PostgreSQL (a database of its own, dropped after); then
 * the outbound part (outbound/index.ts). BENCH_WEBHOOKS=inbound or =outbound runs only that part.
 */
export async function benchWebhooks(): Promise<boolean> {
  const part = process.env.BENCH_WEBHOOKS;
  let allMet = true;
  for (const dialect of part === 'outbound' ? [] : (['sqlite', 'postgres'] as const)) {
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
    const met = report(
      `bench/webhooks (${dialect}; \`switchboard serve\` embedded; ${SENDERS} senders, ~1 KB signed events; ` +
        `${num((performance.now() - started) / 1000)} s in all)`,
      rows,
    );
    allMet = met && allMet;
  }
  if (part !== 'inbound') allMet = (await benchOutbound()) && allMet;
  return allMet;
}

// The dashboard's endpoints over HTTP, each beside the raw SQL it runs (its floor), with the ratio;
// the raw SQL read by read; and where the target is missed, each statement's plan.
import os from 'node:os';
import { percentile, type Row } from '../lib.js';
import { openCapture, type Reads } from './capture.js';
import { type Endpoint, type Expected, endpoints } from './endpoints.js';
import { type RawDriver, rawDriver, runReads } from './floor.js';
import type { Section, Stage } from './stage.js';

const TARGET_P99_MS = 50;
/** Untimed requests (and raw runs) before the timed ones. */
const WARMUP = 20;
/** Timed requests an endpoint gets: ROUNDS rounds of PER_ROUND, each followed by as many raw runs
 * (this shared machine's load drifts over seconds: HTTP and its floor are measured turn about). */
const ROUNDS = 3;
const PER_ROUND = 100;
/** Timed runs of each read alone. */
const PER_READ = 100;
/** Attempts at an HTTP answer that shows what the reads found (a row may cross a window's edge
 * between the two). */
const CHECK_ATTEMPTS = 3;

interface Timing {
  p50: number;
  p99: number;
}

async function sample(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const times = (v: number) => `${v.toFixed(1)}×`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

function differences(expected: Expected, shown: Expected): string[] {
  return Object.keys(expected)
    .filter((key) => expected[key] !== shown[key])
    .map((key) => `${key}: the reads found ${expected[key]}, the answer shows ${shown[key]}`);
}

/**
 * The endpoint's reads for a request made now, once an HTTP answer shows what they found: the
 * floor is then known to run the SQL the endpoint runs. Also the answer's size.
 */
async function checkedReads(
  endpoint: Endpoint,
  stage: Stage,
  capture: ReturnType<typeof openCapture>,
): Promise<{ reads: Reads; bytes: number }> {
  let found: string[] = [];
  for (let attempt = 0; attempt < CHECK_ATTEMPTS; attempt++) {
    const { reads, expected } = await endpoint.reads(capture, stage.switchboard.orgId, new Date());
    const answer = await get(stage, endpoint.url);
    found = differences(expected, endpoint.shown(JSON.parse(answer)));
    if (found.length === 0) return { reads, bytes: Buffer.byteLength(answer) };
  }
  throw new Error(`${endpoint.name}: the bench's reads differ from the endpoint's:\n  ${found.join('\n  ')}`);
}

async function get(stage: Stage, url: string): Promise<string> {
  const answer = await stage.switchboard.get(url);
  if (answer.status !== 200)
    throw new Error(`GET ${url}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
  return answer.body;
}

/** Each statement of each read with its plan, as lines to print. */
async function plans(driver: RawDriver, endpoint: Endpoint, reads: Reads): Promise<string[]> {
  const lines = [`query plans of ${endpoint.name}'s reads:`];
  for (const read of reads.flat()) {
    for (const query of read.queries) {
      lines.push(`  ${read.name}`);
      lines.push(`    SQL: ${query.sql.replace(/\s+/g, ' ')}`);
      lines.push(`    parameters: ${JSON.stringify(query.parameters)}`);
      for (const line of await driver.explain(query)) lines.push(`    ${line}`);
    }
  }
  return lines;
}

async function measure(endpoint: Endpoint, stage: Stage, driver: RawDriver, reads: Reads, bytes: number) {
  const http: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < WARMUP; i++) {
    await get(stage, endpoint.url);
    await runReads(driver, reads);
  }
  for (let round = 0; round < ROUNDS; round++) {
    http.push(...(await sample(PER_ROUND, () => get(stage, endpoint.url))));
    raw.push(...(await sample(PER_ROUND, () => runReads(driver, reads))));
  }
  const h = timing(http);
  const r = timing(raw);
  const statements = reads.flat().reduce((n, read) => n + read.queries.length, 0);
  const rows: Row[] = [
    {
      name: `${endpoint.name} (${kib(bytes)})`,
      value:
        `HTTP p50 ${ms(h.p50)} p99 ${ms(h.p99)} | raw SQL (${statements} statements) p50 ${ms(r.p50)} ` +
        `p99 ${ms(r.p99)} | HTTP/raw p50 ${times(h.p50 / r.p50)} p99 ${times(h.p99 / r.p99)}`,
      target: `HTTP p99 < ${TARGET_P99_MS} ms`,
      pass: h.p99 < TARGET_P99_MS,
    },
  ];
  for (const read of reads.flat()) {
    const t = timing(await sample(PER_READ, () => driver.run(read)));
    rows.push({ name: `  raw: ${read.name}`, value: `p50 ${ms(t.p50)} p99 ${ms(t.p99)}` });
  }
  return rows;
}

/** bench/dashboard's own part: the dashboard and sync-activity endpoints against their raw SQL. */
export async function benchDashboardEndpoints(stage: Stage): Promise<Section[]> {
  const { database } = stage.switchboard;
  const capture = openCapture(database);
  const driver = rawDriver(database);
  const load = os.loadavg()[0]!.toFixed(1);
  try {
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const endpoint of endpoints(stage.seeded.chartedConnectionId)) {
      const { reads, bytes } = await checkedReads(endpoint, stage, capture);
      const measured = await measure(endpoint, stage, driver, reads, bytes);
      rows.push(...measured);
      if (measured[0]!.pass === false) notes.push(...(await plans(driver, endpoint, reads)));
    }
    const s = stage.seeded;
    const n = (v: number) => v.toLocaleString('en');
    return [
      {
        title:
          `bench/dashboard (${database.kind}): one org of ${n(s.connectionIds.length)} connections, ` +
          `${n(s.runs)} runs over 30 days, ${n(s.events)} webhook events on ${n(s.webhooks)} webhooks ` +
          `(seeded in ${s.seconds.toFixed(0)} s, beside a smaller org); ${ROUNDS * PER_ROUND} sequential ` +
          `requests per endpoint as the admin, its raw SQL as often, turn about; load average ${load} ` +
          `on ${os.cpus().length} shared cores`,
        rows,
        notes,
      },
    ];
  } finally {
    await capture.close();
    await driver.close();
  }
}

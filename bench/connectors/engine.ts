// Entry point of the connectors benchmark's engine processes:
// `engine.ts PROVIDER ROUNDS SMALL LARGE [LIMIT WINDOW_MS]`, SMALL and LARGE the provider's fakes
// (`{ url, control, records }` as JSON, `records` what a full sync of the org stores), on a SQLite
// database of its own. Prints `{ "msg": "throughput", … }` with what it measured and, given a budget
// (LIMIT requests a WINDOW_MS window), `{ "msg": "pacing", … }`. Each provider runs in a fresh
// process, so that one's heap, JIT state and database do not leak into the other's.
import type { SyncContext } from '../../src/connectors/sdk.js';
import { connectorContext } from '../../src/connectors/toolkit/context.js';
import { tuneHeapForServing } from '../../src/platform/heap-tuning.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { createOutbound } from '../../src/platform/outbound/outbound.js';
import { connectThroughApi, type Engine, openEngine, runEnded, triggerSync } from '../sync/harness.js';
import { awsConfig } from './aws-config.js';
import type { Provider } from './bare.js';
import { type Budget, type FakeControl, fakeControl } from './control.js';
import { github } from './github.js';
import { okta } from './okta.js';
import { slack } from './slack.js';

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

// As `switchboard serve` and `switchboard worker` run the engine.
tuneHeapForServing();

const PROVIDERS: Record<string, Provider> = { okta, github, 'aws-config': awsConfig, slack };

/** A fake provider process: its API, its control channel, and what a full sync of its org stores. */
interface Fake {
  url: string;
  control: FakeControl;
  records: number;
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** CPU milliseconds (user + system) this process used since `since`: all threads, the GC's included. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * A loop making the sync's requests (the bare loop, or the SDK alone) once, against a fake with no
 * budget to speak of; with the requests it made.
 */
async function loopOnce(what: string, loop: (url: string) => Promise<number>, fake: Fake) {
  await fake.control.reset(null);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const records = await loop(fake.url);
  const ms = performance.now() - started;
  const used = cpuMs(cpu);
  if (records !== fake.records) throw new Error(`${what} read ${records} records, expected ${fake.records}`);
  return { ms, cpuMs: used, requests: (await fake.control.stats()).requests };
}

const bareLoop = (provider: Provider, fake: Fake) => loopOnce('the bare loop', provider.bareLoop, fake);

/**
 * The connector's own sync once, in the context the engine builds (guard, credential, pacing), its
 * batches counted and dropped: what the connector and its provider SDK cost before the engine
 * stores anything — the floor under the engine's time.
 */
async function connectorAlone(provider: Provider, fake: Fake) {
  await fake.control.reset(null);
  const { connector } = provider;
  if (!connector.sync) throw new Error(`${connector.definition.slug} does not sync`);
  const outbound = createOutbound({ allowPrivateNetworks: true, maxWaitMs: 60_000 });
  const ctx: SyncContext<Record<string, unknown>> = {
    ...connectorContext(connector.definition, provider.config(fake.url), {
      logger: createLogger('silent'),
      signal: new AbortController().signal,
      outbound,
    }),
    fullSync: true,
    cursors: {},
    runLog: { log: () => {} },
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  let records = 0;
  for await (const batch of connector.sync(ctx)) records += batch.records.length;
  const ms = performance.now() - started;
  const used = cpuMs(cpu);
  if (records !== fake.records)
    throw new Error(`the connector read ${records} records, expected ${fake.records}`);
  return { ms, cpuMs: used };
}

/** Resolves at the next whole second of the wall clock. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));

/**
 * A full sync through the API, as a user runs one: a new connection created, tested and enabled,
 * then (the fake reset to `budget`) its first sync triggered and waited for. A budget's sync starts
 * just after a whole second, so that the fake's first window of every family ends at the next one
 * (see budget.ts). Fails unless every record of the org is stored.
 */
async function engineSync(engine: Engine, slug: string, fake: Fake, name: string, budget: Budget) {
  const provider = PROVIDERS[slug]!;
  const id = await connectThroughApi(engine, slug, name, provider.config(fake.url));
  await fake.control.reset(budget);
  if (budget) await nextSecond();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const run = await runEnded(engine, await triggerSync(engine, id));
  const wallMs = performance.now() - started;
  const used = cpuMs(cpu);
  const { n } = await engine.ctx.database.db
    .selectFrom('sync_records')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('connection_id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(n) !== fake.records) throw new Error(`${n} records stored, expected ${fake.records}`);
  return {
    runMs: run.duration_ms!,
    wallMs,
    cpuMs: used,
    startedAt: Date.parse(run.started_at!),
    stats: await fake.control.stats(),
  };
}

/**
 * After one untimed round of each on the small org (JIT, connection pools, SQLite's page cache):
 * 1. throughput: the bare loop, the SDK alone (where the connector has one), the connector alone and
 *    the engine on the large org, alternated `rounds` times, every round kept (the parent takes the
 *    best);
 * 2. pacing, given a `budget`: the small org's sync under it, after the bare loop's time for it
 *    without one.
 */
async function measure(slug: string, rounds: number, small: Fake, large: Fake, budget: Budget) {
  const provider = PROVIDERS[slug]!;
  const engine = await openEngine({ connectors: [provider.connector] });
  try {
    const { sdk } = provider;
    const sdkLoop = sdk && ((fake: Fake) => loopOnce(`${sdk.name} alone`, sdk.loop, fake));
    await bareLoop(provider, small);
    await sdkLoop?.(small);
    await engineSync(engine, slug, small, 'Warm-up', null);
    await connectorAlone(provider, small);
    const bare: Awaited<ReturnType<typeof bareLoop>>[] = [];
    const sdkAlone: Awaited<ReturnType<typeof bareLoop>>[] = [];
    const alone: Awaited<ReturnType<typeof connectorAlone>>[] = [];
    const runs: Awaited<ReturnType<typeof engineSync>>[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(await bareLoop(provider, large));
      if (sdkLoop) sdkAlone.push(await sdkLoop(large));
      alone.push(await connectorAlone(provider, large));
      runs.push(await engineSync(engine, slug, large, `Round ${round}`, null));
    }
    print({
      msg: 'throughput',
      bareMs: bare.map((b) => b.ms),
      bareCpuMs: bare.map((b) => b.cpuMs),
      bareRequests: bare.map((b) => b.requests),
      ...(sdk
        ? {
            sdk: sdk.name,
            sdkMs: sdkAlone.map((a) => a.ms),
            sdkCpuMs: sdkAlone.map((a) => a.cpuMs),
            sdkRequests: sdkAlone.map((a) => a.requests),
          }
        : {}),
      aloneMs: alone.map((a) => a.ms),
      aloneCpuMs: alone.map((a) => a.cpuMs),
      runMs: runs.map((r) => r.runMs),
      runCpuMs: runs.map((r) => r.cpuMs),
      wallMs: runs.map((r) => r.wallMs),
      runRequests: runs.map((r) => r.stats.requests),
    });
    if (!budget) return;
    const unpaced = await bareLoop(provider, small);
    const paced = await engineSync(engine, slug, small, 'Paced', budget);
    print({
      msg: 'pacing',
      bareMs: unpaced.ms,
      runMs: paced.runMs,
      startedAt: paced.startedAt,
      requests: paced.stats.requests,
      families: paced.stats.families,
      rateLimited: paced.stats.rateLimited,
    });
  } finally {
    await engine.close();
  }
}

function fakeOf(json: string | undefined): Fake {
  const { url, control, records } = JSON.parse(json ?? 'null') as {
    url: string;
    control: string;
    records: number;
  };
  return { url, control: fakeControl(control), records };
}

const [slug, rounds, small, large, limit, windowMs] = process.argv.slice(2);
try {
  if (!PROVIDERS[slug ?? '']) {
    throw new Error(
      `usage: engine.ts ${Object.keys(PROVIDERS).join('|')} ROUNDS SMALL LARGE [LIMIT WINDOW_MS]`,
    );
  }
  const budget = limit === undefined ? null : { limit: Number(limit), windowMs: Number(windowMs) };
  await measure(slug!, Number(rounds), fakeOf(small), fakeOf(large), budget);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
process.exit(0);

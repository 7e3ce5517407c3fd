import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Row, report, startNode, tempDir } from '../lib.js';
import { earliest } from './budget.js';

// Every fake answers each request after LATENCY_MS.
const LATENCY_MS = 20;
/**
 * Each provider's orgs: the large one's full sync through the engine vs a bare loop making the same
 * requests, best of `rounds` (after an untimed round of each on the small one); where `paced`, the
 * small one's sync under BUDGET. Pacing is measured only where the fake announces its budget before
 * it is spent (Okta's X-Rate-Limit-*, GitHub's X-RateLimit-*): Slack answers a spent one with a 429
 * and Retry-After but announces nothing, AWS not even that.
 */
const ORGS = {
  okta: { name: 'Okta', unit: 'users', large: 10_000, small: 1_000, rounds: 2, paced: true },
  github: { name: 'GitHub', unit: 'repositories', large: 1_000, small: 100, rounds: 3, paced: true },
  'aws-config': {
    name: 'AWS Config',
    unit: 'resources (a rule for every hundred)',
    large: 5_000,
    small: 500,
    rounds: 2,
    paced: false,
  },
  slack: {
    name: 'Slack',
    unit: 'members (a channel for every 25)',
    large: 5_000,
    small: 500,
    rounds: 3,
    paced: false,
  },
} as const;
const TARGET_THROUGHPUT_RATIO = 1.15;
// LIMIT requests a window, each family of endpoints apart. The fakes end a window on the whole
// second after `opened + windowMs`: 500 ms windows opened in the first half of a second are whole
// seconds, where 1,000 ms ones opened any later than on the second itself would last two.
const BUDGET = { limit: 100, windowMs: 500 };
const TARGET_PACING_RATIO = 1.1;

const ENV = {
  SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  SWITCHBOARD_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
  SWITCHBOARD_RATE_LIMITS: 'false',
  // The fakes listen on loopback.
  SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
  SWITCHBOARD_ADMIN_EMAIL: '',
  SWITCHBOARD_DEMO: 'false',
  DATABASE_URL: '',
  LOG_LEVEL: 'info',
  REDIS_URL: '',
};

type Slug = keyof typeof ORGS;
type Line = Record<string, unknown>;

/** A fake provider process's line: its API, its control channel, what a full sync of its org stores. */
interface Fake {
  url: string;
  control: string;
  records: number;
}

function numbers(line: Line, key: string): number[] {
  const value = line[key];
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number')) {
    throw new Error(`${String(line.msg)}: "${key}" is not a list of numbers`);
  }
  return value;
}

function number(line: Line, key: string): number {
  const value = line[key];
  if (typeof value !== 'number') throw new Error(`${String(line.msg)}: "${key}" is not a number`);
  return value;
}

const num = (v: number, digits = 0) =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number) => `${num(v)} ms`;
const best = (values: number[]) => Math.min(...values);

/** The provider's fake serving an org of `size` in a process of its own, for the time of `use`. */
async function withFake<T>(slug: Slug, size: number, use: (fake: Fake) => Promise<T>): Promise<T> {
  const script = path.join('bench', 'connectors', 'fake.ts');
  const child = startNode(['--import', 'tsx', script, slug, String(size), String(LATENCY_MS)]);
  try {
    const line = await child.line((l) => l.msg === 'listening');
    return await use({
      url: String(line.url),
      control: String(line.control),
      records: number(line, 'records'),
    });
  } finally {
    await child.stop();
  }
}

/**
 * The provider's engine process (bench/connectors/engine.ts) on a SQLite database of its own; the
 * lines it printed (pacing only for a paced provider).
 */
async function engine(
  slug: Slug,
  small: Fake,
  large: Fake,
): Promise<{ throughput: Line; pacing: Line | null }> {
  const dir = tempDir();
  const { rounds, paced } = ORGS[slug];
  const budget = paced ? [BUDGET.limit, BUDGET.windowMs] : [];
  const args = [slug, rounds, JSON.stringify(small), JSON.stringify(large), ...budget];
  const child = startNode(
    ['--import', 'tsx', path.join('bench', 'connectors', 'engine.ts'), ...args.map(String)],
    {
      ...ENV,
      SWITCHBOARD_DATA_DIR: dir,
    },
  );
  try {
    // Both waited for from the start: a line printed while nobody waits for it is dropped.
    const [throughput, pacing] = await Promise.all([
      child.line((l) => l.msg === 'throughput'),
      paced ? child.line((l) => l.msg === 'pacing') : null,
    ]);
    return { throughput, pacing };
  } finally {
    await child.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A measured loop's figures, and the best of them. */
function measured(line: Line, key: string, requests: number) {
  const all = numbers(line, `${key}Ms`);
  const cpu = best(numbers(line, `${key}CpuMs`)) / requests;
  return {
    best: best(all),
    text: `${ms(best(all))} (best of ${all.length}: ${all.map((v) => num(v)).join(', ')}; CPU ${num(cpu, 2)} ms a request`,
  };
}

function throughputRows(slug: Slug, line: Line): Row[] {
  const { name, unit, large } = ORGS[slug];
  const bareRequests = numbers(line, 'bareRequests');
  const runRequests = numbers(line, 'runRequests');
  const sdkRequests = line.sdk === undefined ? [] : numbers(line, 'sdkRequests');
  const requests = best(bareRequests);
  const bare = measured(line, 'bare', requests);
  const alone = measured(line, 'alone', requests);
  const run = measured(line, 'run', requests);
  const rows: Row[] = [
    {
      name: `${name}, ${num(large)} ${unit}: bare loop, undici request + JSON.parse, nothing stored`,
      value: `${bare.text}; ${num(bareRequests[0]!)} requests)`,
    },
  ];
  const sdk = line.sdk === undefined ? undefined : measured(line, 'sdk', requests);
  if (sdk) {
    rows.push({
      name: `${name}: ${String(line.sdk)} alone, as the connector configures it, on its own transport (no engine)`,
      value: `${sdk.text})`,
    });
  }
  rows.push(
    {
      name: `${name}: the connector alone, its batches dropped (its SDK and the engine's fetch, no storage)`,
      value: `${alone.text})`,
    },
    {
      name: `${name}: engine, a full sync through the API, every record stored`,
      value: `${run.text}; trigger → seen ended ${ms(best(numbers(line, 'wallMs')))})`,
    },
  );
  // The comparison holds only if all made the same requests.
  if (new Set([...bareRequests, ...sdkRequests, ...runRequests]).size > 1) {
    rows.push({
      name: `${name}: requests made`,
      value: `bare ${bareRequests.join(', ')}; ${sdk ? `SDK alone ${sdkRequests.join(', ')}; ` : ''}engine ${runRequests.join(', ')}`,
      target: 'the same',
      pass: false,
    });
  }
  const ratio = run.best / bare.best;
  if (sdk) {
    rows.push({
      name: `${name}: ratio SDK alone/bare (what the dependency costs) and engine/SDK alone (what ours costs on top)`,
      value: `${(sdk.best / bare.best).toFixed(2)} and ${(run.best / sdk.best).toFixed(2)}`,
    });
  }
  rows.push(
    {
      name: `${name}: ratio connector alone/bare and engine/connector alone (what storing costs)`,
      value: `${(alone.best / bare.best).toFixed(2)} and ${(run.best / alone.best).toFixed(2)}`,
    },
    {
      name: `${name}: ratio engine/bare`,
      value: ratio.toFixed(2),
      target: `≤ ${TARGET_THROUGHPUT_RATIO}`,
      pass: ratio <= TARGET_THROUGHPUT_RATIO,
    },
  );
  return rows;
}

function pacingRows(slug: Slug, line: Line): Row[] {
  const { name, unit, small } = ORGS[slug];
  const runMs = number(line, 'runMs');
  const bareMs = number(line, 'bareMs');
  const refused = number(line, 'rateLimited');
  const bound = earliest({
    startedAt: number(line, 'startedAt'),
    families: line.families as Record<string, number>,
    ...BUDGET,
    bareMs,
  });
  const ratio = runMs / bound.ms;
  return [
    {
      name: `${name}, ${num(small)} ${unit}, ${BUDGET.limit} requests a ${BUDGET.windowMs} ms window: earliest end`,
      value:
        `${ms(bound.ms)} (${bound.family}: ${num(bound.requests)} requests, ${bound.windows} windows; ` +
        `the bare loop without a budget ${ms(bareMs)})`,
    },
    {
      name: `${name}: engine, the sync under that budget`,
      value: `${ms(runMs)} (${num(number(line, 'requests'))} requests)`,
    },
    { name: `${name}: requests the budget refused`, value: num(refused), target: '0', pass: refused === 0 },
    {
      name: `${name}: ratio engine/earliest`,
      value: ratio.toFixed(2),
      target: `≤ ${TARGET_PACING_RATIO}`,
      pass: ratio <= TARGET_PACING_RATIO,
    },
  ];
}

async function provider(slug: Slug): Promise<Row[]> {
  const { small, large } = ORGS[slug];
  const lines = await withFake(slug, small, (s) => withFake(slug, large, (l) => engine(slug, s, l)));
  return [...throughputRows(slug, lines.throughput), ...(lines.pacing ? pacingRows(slug, lines.pacing) : [])];
}

/** The providers BENCH_CONNECTORS names (comma-separated slugs), else all. */
function chosenProviders(): Slug[] {
  const all = Object.keys(ORGS) as Slug[];
  const named = process.env.BENCH_CONNECTORS?.split(',').filter((s) => s !== '');
  if (!named?.length) return all;
  const unknown = named.filter((s) => !(s in ORGS));
  if (unknown.length > 0)
    throw new Error(`BENCH_CONNECTORS: unknown ${unknown.join(', ')}; known: ${all.join(', ')}`);
  return named as Slug[];
}

/**
 * Each provider's connector in embedded mode on SQLite, against its fake in a process of its own:
 * throughput against a bare loop making the same requests (and, where the connector uses a provider
 * SDK, against that SDK alone: the floor), and pacing under a small budget where the provider
 * announces one. BENCH_CONNECTORS=github,slack runs only those.
 */
export async function benchConnectors(): Promise<boolean> {
  const started = performance.now();
  const rows: Row[] = [];
  for (const slug of chosenProviders()) {
    // A provider that fails is reported as such; the other still runs.
    try {
      rows.push(...(await provider(slug)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      rows.push({ name: ORGS[slug].name, value: `FAILED: ${message}`, pass: false });
    }
  }
  return report(
    `bench/connectors (sqlite, embedded; fakes answering after ${LATENCY_MS} ms, each in a process of its own; ` +
      `${num((performance.now() - started) / 1000)} s in all)`,
    rows,
  );
}

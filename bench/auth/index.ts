import autocannon from 'autocannon';
import { cpuSeconds, report, startNode, type Throughput, tempDir } from '../lib.js';

const TARGET_RATIO = 0.8;
const ROUNDS = 3;

/** measureServer (lib.ts) with request headers: the same load, the same two figures. */
async function measure(pid: number, url: string, headers: Record<string, string>, durationSeconds = 5) {
  const before = cpuSeconds(pid);
  const result = await autocannon({
    url,
    headers,
    connections: 50,
    pipelining: 1,
    duration: durationSeconds,
  });
  const cpu = cpuSeconds(pid) - before;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return { rps: result.requests.average, perCore: result.requests.total / cpu };
}

/** The bench must measure what it names: each variant's caller, as the handler saw it. */
async function checkCaller(url: string, headers: Record<string, string>, expected: string | null) {
  const res = await fetch(url, { headers });
  const body = (await res.json()) as { data?: { caller?: unknown } };
  if (res.status !== 200 || body.data?.caller !== expected) {
    throw new Error(`expected caller ${expected}, got ${res.status} ${JSON.stringify(body)}`);
  }
}

/** One server, the three variants loaded in turn, ROUNDS times; each keeps its best round. */
async function throughput(): Promise<{ anonymous: Throughput; jwt: Throughput; apiKey: Throughput }> {
  const server = startNode(['--import', 'tsx', 'bench/auth/server.ts'], {
    SWITCHBOARD_DATA_DIR: tempDir(),
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  try {
    const line = await server.line((l) => l.msg === 'listening');
    const url = String(line.url);
    const pid = server.child.pid!;
    const variants: { headers: Record<string, string>; caller: string | null }[] = [
      { headers: {}, caller: null },
      { headers: { authorization: `Bearer ${String(line.token)}` }, caller: 'user' },
      { headers: { authorization: `Bearer ${String(line.key)}` }, caller: 'api_key' },
    ];
    const best = variants.map(() => ({ rps: 0, perCore: 0 }));
    for (const v of variants) {
      await checkCaller(url, v.headers, v.caller);
      // Warm up so the JIT has settled before anything is counted.
      await measure(pid, url, v.headers, 2);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, v] of variants.entries()) {
        const r = await measure(pid, url, v.headers);
        best[i] = { rps: Math.max(best[i]!.rps, r.rps), perCore: Math.max(best[i]!.perCore, r.perCore) };
      }
    }
    const [anonymous, jwt, apiKey] = best;
    return { anonymous: anonymous!, jwt: jwt!, apiKey: apiKey! };
  } finally {
    await server.stop();
  }
}

export async function benchAuth(): Promise<boolean> {
  const t = await throughput();
  const figure = (v: Throughput) => `${Math.round(v.rps)} req/s (${Math.round(v.perCore)} per server CPU-s)`;
  const ratio = (v: Throughput) => v.rps / t.anonymous.rps;
  const perCore = (v: Throughput) => (v.perCore / t.anonymous.perCore).toFixed(2);
  return report('bench/auth: one GET through the full app, unauthenticated vs JWT vs API key', [
    { name: 'unauthenticated', value: figure(t.anonymous) },
    { name: 'JWT', value: figure(t.jwt) },
    { name: 'API key', value: figure(t.apiKey) },
    {
      name: 'ratio JWT/unauthenticated',
      value: `${ratio(t.jwt).toFixed(2)} (per server CPU-s ${perCore(t.jwt)})`,
      target: `≥ ${TARGET_RATIO}`,
      pass: ratio(t.jwt) >= TARGET_RATIO,
    },
    {
      name: 'ratio API key/unauthenticated',
      value: `${ratio(t.apiKey).toFixed(2)} (per server CPU-s ${perCore(t.apiKey)})`,
      target: `≥ ${TARGET_RATIO}`,
      pass: ratio(t.apiKey) >= TARGET_RATIO,
    },
  ]);
}

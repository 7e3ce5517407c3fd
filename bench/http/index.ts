import path from 'node:path';
import { measureServer, report, root, rssMiB, startNode, type Throughput, tempDir } from '../lib.js';

const TARGET_RATIO = 0.7;
const TARGET_START_MS = 1500;

const ROUNDS = 3;

/** Both servers loaded in turn, ROUNDS times; each keeps its best round (noise only ever slows a run down). */
async function throughput(): Promise<{ bare: Throughput; app: Throughput }> {
  const bare = startNode(['--import', 'tsx', 'bench/http/servers.ts', 'bare']);
  const app = startNode(['--import', 'tsx', 'bench/http/servers.ts', 'app'], {
    SWITCHBOARD_DATA_DIR: tempDir(),
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  try {
    const servers = await Promise.all(
      [bare, app].map(async (c) => ({
        pid: c.child.pid!,
        url: `${String((await c.line((l) => l.msg === 'listening')).url)}/healthz`,
        best: { rps: 0, perCore: 0 },
      })),
    );
    // Warm both up so the JIT has settled before anything is counted.
    for (const s of servers) await measureServer(s.pid, s.url, { durationSeconds: 2 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of servers) {
        const r = await measureServer(s.pid, s.url);
        s.best = { rps: Math.max(s.best.rps, r.rps), perCore: Math.max(s.best.perCore, r.perCore) };
      }
    }
    return { bare: servers[0]!.best, app: servers[1]!.best };
  } finally {
    await Promise.all([bare.stop(), app.stop()]);
  }
}

/** Time from spawning `node dist/main.js serve` on a fresh SQLite data dir to /readyz answering 200. */
async function startup() {
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const started = performance.now();
  const server = startNode([path.join(root, 'dist/main.js'), 'serve'], {
    SWITCHBOARD_DATA_DIR: tempDir(),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  try {
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (server.child.exitCode !== null) throw new Error('server exited before becoming ready');
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) readyMs = performance.now() - started;
      else await new Promise((r) => setTimeout(r, 5));
    }
    // Idle: let start-up garbage settle before reading the resident set.
    await new Promise((r) => setTimeout(r, 1000));
    return { readyMs, rss: rssMiB(server.child.pid!) };
  } finally {
    await server.stop();
  }
}

export async function benchHttp(): Promise<boolean> {
  const t = await throughput();
  const ratio = t.app.rps / t.bare.rps;
  const perCoreRatio = t.app.perCore / t.bare.perCore;
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await startup());
  const readyMs = Math.min(...runs.map((r) => r.readyMs));
  const rss = runs.at(-1)!.rss;
  return report('bench/http: GET /healthz through the full stack vs a bare Fastify route', [
    {
      name: 'bare Fastify',
      value: `${Math.round(t.bare.rps)} req/s (${Math.round(t.bare.perCore)} per server CPU-s)`,
    },
    {
      name: 'Switchboard app',
      value: `${Math.round(t.app.rps)} req/s (${Math.round(t.app.perCore)} per server CPU-s)`,
    },
    {
      name: 'ratio app/bare',
      value: ratio.toFixed(2),
      target: `≥ ${TARGET_RATIO}`,
      pass: ratio >= TARGET_RATIO,
    },
    { name: 'ratio per server CPU-s', value: perCoreRatio.toFixed(2) },
    {
      name: 'start → /readyz 200 (SQLite)',
      value: `${Math.round(readyMs)} ms (best of 3; ${runs.map((r) => Math.round(r.readyMs)).join(', ')})`,
      target: `< ${TARGET_START_MS} ms`,
      pass: readyMs < TARGET_START_MS,
    },
    { name: 'idle RSS', value: `${rss.toFixed(1)} MiB` },
  ]);
}

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
}

export interface Child {
  child: ChildProcess;
  /** The first line the process printed on stdout that parses as JSON and matches. */
  line(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts a node process; stdout lines are scanned for JSON, everything else is discarded. */
export function startNode(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (waiters.length === 0) return;
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const text of lines) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      for (const w of [...waiters]) {
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    line: (match) =>
      new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        exited.then(() => reject(new Error(`process ${args.join(' ')} exited early`)));
      }),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Load {
  connections?: number;
  durationSeconds?: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Throughput {
  /** Requests per second the client saw. */
  rps: number;
  /** Requests per CPU-second of the server process: its throughput on one core of its own. */
  perCore: number;
}

/**
 * Load a server with autocannon and measure both what the client saw and what it cost the server.
 * On a 2-core machine the client competes with the server for CPU, so the per-core figure is the
 * steadier measure of the server's own cost.
 */
export async function measureServer(pid: number, url: string, load: Load = {}): Promise<Throughput> {
  const before = cpuSeconds(pid);
  const result = await autocannon({
    url,
    connections: load.connections ?? 50,
    pipelining: 1,
    duration: load.durationSeconds ?? 5,
  });
  const cpu = cpuSeconds(pid) - before;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return { rps: result.requests.average, perCore: result.requests.total / cpu };
}

export interface Row {
  name: string;
  value: string;
  target?: string;
  pass?: boolean;
}

export function report(title: string, rows: Row[]): boolean {
  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`\n${title}\n`);
  for (const r of rows) {
    const verdict = r.pass === undefined ? '' : r.pass ? '  ok' : '  MISSED';
    process.stdout.write(
      `  ${r.name.padEnd(width)}  ${r.value}${r.target ? `  (target ${r.target})` : ''}${verdict}\n`,
    );
  }
  return rows.every((r) => r.pass !== false);
}

export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** The value at quantile `q` (0–1) of ascending `sorted` values; NaN when there are none. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

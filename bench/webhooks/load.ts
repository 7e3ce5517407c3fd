import { Pool } from 'undici';
import { cpuSeconds } from '../lib.js';
import { type SignedEvent, signedEvent } from './event.js';

/** One delivery (or a floor's one commit): its status, 200 when accepted, 0 when there was no answer. */
export type Send = () => Promise<number>;

export interface Counted {
  ok: number;
  /** Outcomes other than 200, by status. */
  refused: Record<number, number>;
  seconds: number;
}

function count(into: Counted, status: number): void {
  if (status === 200) into.ok++;
  else into.refused[status] = (into.refused[status] ?? 0) + 1;
}

/**
 * `callers` callers, each sending again as soon as its last send ended, for `seconds`: how many a
 * second the other side accepts when it is the limit.
 */
export async function closedLoop(callers: number, seconds: number, send: Send): Promise<Counted> {
  const counted: Counted = { ok: 0, refused: {}, seconds: 0 };
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) count(counted, await send());
    }),
  );
  counted.seconds = (performance.now() - started) / 1000;
  return counted;
}

export interface Latencies extends Counted {
  /** Latencies, ms, ascending: from when each send was due to when it ended. */
  sorted: number[];
  sent: number;
  /** Set when sending stopped early, the other side having fallen `giveUpSeconds` behind. */
  gaveUpAfterSeconds?: number;
}

/**
 * An open loop: sends at `rate` a second for `seconds` on schedule, whether or not earlier ones
 * ended, each timed from the moment it was due (not from when it went out), so a stall is charged
 * to every send that waited behind it (no coordinated omission). A side `giveUpSeconds` of sends
 * behind will not catch up within the run: sending stops there, and the sends under way are waited for.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  giveUpSeconds: number,
  send: Send,
): Promise<Latencies> {
  const total = rate * seconds;
  const result: Latencies = { ok: 0, refused: {}, seconds: 0, sorted: [], sent: 0 };
  const underWay: Promise<void>[] = [];
  const started = performance.now();
  const dueAt = (n: number) => started + (n * 1000) / rate;
  const timed = (due: number) =>
    send().then((status) => {
      result.sorted.push(performance.now() - due);
      count(result, status);
    });
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      if (result.sent - result.sorted.length > rate * giveUpSeconds) {
        result.gaveUpAfterSeconds = (now - started) / 1000;
        done();
        return;
      }
      // Every send due by now goes out, each timed from its own due moment.
      while (result.sent < total && dueAt(result.sent) <= now) underWay.push(timed(dueAt(result.sent++)));
      if (result.sent < total) setTimeout(tick, Math.max(0, dueAt(result.sent) - now));
      else done();
    };
    tick();
  });
  await Promise.all(underWay);
  result.seconds = (performance.now() - started) / 1000;
  result.sorted.sort((a, b) => a - b);
  return result;
}

/** A receiver under test: where to post, the secret it verifies with, and the processes doing its work. */
export interface Receiver {
  origin: string;
  path: string;
  secret: string;
  /** Its own process. */
  pid: number;
  /** Processes doing part of its work (Redis, PostgreSQL's backends): their CPU is its cost too. */
  helpers: () => Promise<number[]>;
}

/** Numbers events across every load of a run, so no two deliveries share an id. */
let sequence = 0;

function poster(pool: Pool, r: Receiver): Send {
  return () => {
    const event: SignedEvent = signedEvent(r.secret, sequence++);
    return pool.request({ method: 'POST', path: r.path, headers: event.headers, body: event.body }).then(
      async (res) => {
        await res.body.dump();
        return res.statusCode;
      },
      () => 0,
    );
  };
}

/** CPU seconds so far of each process that is still there. */
function cpuByPid(pids: number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      // A backend that exited since it was listed.
    }
  }
  return cpu;
}

/** CPU seconds the processes used between two readings (those present at both). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? seconds);
  return total;
}

export interface Throughput extends Counted {
  /** Answers 200 a second. */
  perSecond: number;
  /** CPU microseconds per accepted event of the receiver's process, and of its helpers. */
  cpuMicros: { own: number; helpers: number };
}

/** `senders` keep-alive connections posting signed events in a closed loop for `seconds`. */
export async function loadReceiver(r: Receiver, senders: number, seconds: number): Promise<Throughput> {
  const pool = new Pool(r.origin, { connections: senders, pipelining: 1 });
  try {
    const helpers = await r.helpers();
    const before = { own: cpuByPid([r.pid]), helpers: cpuByPid(helpers) };
    const counted = await closedLoop(senders, seconds, poster(pool, r));
    const perEvent = (before: Map<number, number>, pids: number[]) =>
      (cpuBetween(before, cpuByPid(pids)) / counted.ok) * 1e6;
    return {
      ...counted,
      perSecond: counted.ok / counted.seconds,
      cpuMicros: { own: perEvent(before.own, [r.pid]), helpers: perEvent(before.helpers, helpers) },
    };
  } finally {
    await pool.close();
  }
}

/** Signed events posted at `rate` a second for `seconds`, open loop; acknowledgement latencies. */
export async function paceReceiver(
  r: Receiver,
  rate: number,
  seconds: number,
  giveUpSeconds: number,
): Promise<Latencies> {
  // Enough sockets that the schedule is not held back by the pool while the receiver keeps up.
  const pool = new Pool(r.origin, { connections: 256, pipelining: 1 });
  try {
    return await openLoop(rate, seconds, giveUpSeconds, poster(pool, r));
  } finally {
    await pool.close();
  }
}

import { Pool } from 'undici';
import { type Latencies, openLoop, type Send } from '../load.js';
import { WaitSampler, type Waits } from '../pg-waits.js';
import { cpuOf, cpuSince, total } from './cpu.js';
import type { Deployment } from './deployment.js';
import type { BenchEndpoint } from './drain.js';
import { benchPayload, EVENT_TYPES, wallMs } from './payload.js';
import type { Sink, SinkCounts, SinkStats } from './sink-client.js';

export interface Load {
  rate: number;
  seconds: number;
  giveUpSeconds: number;
}

/** What Switchboard's processes spent while events were published (and delivered). */
export interface Spent {
  /** CPU microseconds an event: Switchboard's processes, and on PostgreSQL its backends. */
  perEventMicros: number;
  /** Each Switchboard process's CPU over the wall time: 1 is a core kept busy (a process's JavaScript runs on one). */
  busy: { role: string; share: number }[];
  /** On PostgreSQL, what its backends were doing (sampled). */
  waits?: Waits;
}

export interface Published {
  publish: Latencies;
  /** Event ids acknowledged (202). */
  ids: Set<string>;
  spent: Spent;
}

export interface Paced extends Published {
  /** The sink's counts when the last publish was answered: how far behind delivery was then. */
  atEnd: SinkCounts;
  /** How long after that the last delivery took to arrive. */
  drainMs: number;
  stats: SinkStats;
  /** Events acknowledged that never reached the sink. */
  missing: number;
  /** Events at the sink that were never acknowledged. */
  unexpected: number;
}

/** Publishes events of `type` through `POST /api/v1/events`; each payload carries when it was sent. */
function publisher(d: Deployment, type: string) {
  // Enough sockets that the schedule is not held back by the pool while the API keeps up.
  const pool = new Pool(d.origin, { connections: 256, pipelining: 1 });
  const published = { ids: new Set<string>() };
  let seq = 0;
  const send: Send = async () => {
    const body = JSON.stringify({ type, payload: benchPayload(seq++, wallMs()) });
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/api/v1/events',
        headers: { authorization: d.authorization, 'content-type': 'application/json' },
        body,
      });
      const json = (await res.body.json()) as { data?: { id?: string } };
      if (res.statusCode !== 202 || !json.data?.id) return res.statusCode;
      published.ids.add(json.data.id);
      // load.ts counts a 200 as accepted; a publish is accepted with 202.
      return 200;
    } catch {
      return 0;
    }
  };
  return { send, published, close: () => pool.close() };
}

/**
 * `work` (publishing, and whatever delivering goes with it) with what it cost Switchboard: CPU of
 * its processes and backends, how busy each process was, and on PostgreSQL its backends' waits.
 */
async function measured<T>(d: Deployment, events: () => number, work: () => Promise<T>) {
  const before = cpuOf(await d.workPids());
  const started = performance.now();
  const sampler = d.store.url ? new WaitSampler(d.store.url, 50) : undefined;
  const result = await (sampler ? sampler.during(work()) : work());
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSince(before);
  const spent: Spent = {
    perEventMicros: (total(used) / events()) * 1e6,
    busy: d.processes.map((p) => ({ role: p.role, share: (used.get(p.pid) ?? 0) / seconds })),
    ...(sampler ? { waits: sampler.summary() } : {}),
  };
  return { result, spent };
}

/**
 * Events of `type` published at `rate` a second for `seconds`, open loop (load.ts: each on schedule
 * whatever the earlier ones did), to `endpoint`, the one subscribed to the type, after a warm-up at
 * the same rate; the sink times each delivery from the event's commit and from its sending.
 */
export async function pacedPublish(
  d: Deployment,
  sink: Sink,
  endpoint: BenchEndpoint,
  type: string,
  load: Load & { warmUpSeconds: number; drainTimeoutMs: number },
): Promise<Paced> {
  const p = publisher(d, type);
  try {
    // What an earlier run left at the label would count as this warm-up's arrivals.
    await sink.forget(endpoint.label);
    // The pool's sockets opened and the code paths compiled; not counted.
    await openLoop(load.rate, load.warmUpSeconds, load.giveUpSeconds, p.send);
    await sink.waitFor(endpoint.label, 'events', p.published.ids.size, load.drainTimeoutMs);
    await sink.forget(endpoint.label);
    p.published.ids = new Set();
    let atEnd: SinkCounts | undefined;
    let drainMs = 0;
    const { result: publish, spent } = await measured(
      d,
      () => p.published.ids.size,
      async () => {
        const publish = await openLoop(load.rate, load.seconds, load.giveUpSeconds, p.send);
        atEnd = await sink.counts(endpoint.label);
        const ended = performance.now();
        await sink.waitFor(endpoint.label, 'events', p.published.ids.size, load.drainTimeoutMs);
        drainMs = performance.now() - ended;
        return publish;
      },
    );
    const ids = p.published.ids;
    const stats = await sink.stats(endpoint.label);
    const arrived = new Set(stats.eventIds);
    return {
      publish,
      ids,
      spent,
      atEnd: atEnd!,
      drainMs,
      stats,
      missing: [...ids].filter((id) => !arrived.has(id)).length,
      unexpected: [...arrived].filter((id) => !ids.has(id)).length,
    };
  } finally {
    await p.close();
  }
}

/** A floor: events of a type no endpoint subscribes to, published at the same rate: the API's part alone. */
export async function publishAlone(d: Deployment, load: Load): Promise<Published> {
  const p = publisher(d, EVENT_TYPES.unheard);
  try {
    const { result: publish, spent } = await measured(
      d,
      () => p.published.ids.size,
      () => openLoop(load.rate, load.seconds, load.giveUpSeconds, p.send),
    );
    return { publish, ids: p.published.ids, spent };
  } finally {
    await p.close();
  }
}

import path from 'node:path';
import { insertMessages } from '../../../src/modules/webhook-endpoints/storage/messages-insert.js';
import { newId } from '../../../src/platform/ids.js';
import { startNode } from '../../lib.js';
import { cpuOf, cpuSince, total } from './cpu.js';
import type { Deployment } from './deployment.js';
import { deliveredBody, EVENT_TYPES } from './payload.js';
import type { Sink, SinkStats } from './sink-client.js';

/** Messages the dispatcher claims and sends at once (dispatcher.ts's BATCH): the baseline's concurrency too. */
export const DISPATCHER_BATCH = 50;
/** Enqueued messages are due then, so that no dispatcher claims any before the bench releases them all. */
const HELD_UNTIL = new Date('2999-01-01T00:00:00.000Z');

/** An endpoint of the bench's org at the sink, under a label of its own. */
export interface BenchEndpoint {
  id: string;
  orgId: string;
  label: string;
  secret: string;
}

/** Creates an endpoint at the sink for `type`, and tells the sink its secret. */
export async function createEndpoint(
  d: Deployment,
  sink: Sink,
  label: string,
  type: string,
  suffix = '',
): Promise<BenchEndpoint> {
  const url = sink.hookUrl(label, suffix);
  const created = await d.call<{ id: string; secret: string }>('POST', '/webhook-endpoints', {
    name: `${label}${suffix}`,
    url,
    event_types: [type],
  });
  await sink.secrets({ [new URL(url).pathname]: created.secret });
  const row = await d.database.db
    .selectFrom('webhook_endpoints')
    .select('org_id')
    .where('id', '=', created.id)
    .executeTakeFirstOrThrow();
  return { id: created.id, orgId: row.org_id, label, secret: created.secret };
}

/** One drain: deliveries a second from the sink's first to its last, and the CPU it took a delivery. */
export interface DrainRound {
  /** Deliveries a second at the sink, first to last. */
  perSecond: number;
  /** CPU microseconds a delivery of the sender's processes (Switchboard's: with PostgreSQL's backends). */
  cpuMicros: number;
  /** Deliveries sent. */
  count: number;
  stats: SinkStats;
  /** Events sent that never reached the sink. */
  missing: number;
  /** Events at the sink that were not sent (Switchboard's rounds only). */
  unexpected: number;
  /** Whether the sender itself saw every delivery succeed (Switchboard: every message `succeeded`). */
  allSucceeded: boolean;
}

const ratePerSecond = (stats: SinkStats) =>
  stats.received > 1 ? ((stats.received - 1) * 1000) / (stats.lastMs - stats.firstMs) : Number.NaN;

/**
 * Waits until `count` messages of an endpoint or of an event are settled `succeeded`, `timeoutMs`
 * at most, polling every `pollMs`: how many were.
 */
export async function settled(
  d: Deployment,
  of: 'endpoint_id' | 'event_id',
  id: string,
  count: number,
  timeoutMs: number,
  pollMs = 50,
): Promise<number> {
  const query = d.database.db
    .selectFrom('webhook_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(of, '=', id)
    .where('status', '=', 'succeeded')
    .where('lease_until', 'is', null);
  const until = performance.now() + timeoutMs;
  for (;;) {
    const n = Number((await query.executeTakeFirstOrThrow()).n);
    if (n >= count || performance.now() > until) return n;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Switchboard's dispatcher draining `count` messages enqueued beforehand: inserted in bulk by the
 * fan-out's own storage function, held, then made due at once; the dispatcher finds them on its
 * next poll (within a second) and the sink times it from the first delivery to the last.
 */
export async function switchboardDrain(
  d: Deployment,
  sink: Sink,
  endpoint: BenchEndpoint,
  count: number,
  timeoutMs: number,
): Promise<DrainRound> {
  const at = new Date();
  const eventIds = new Set<string>();
  const messages = Array.from({ length: count }, (_, seq) => {
    const eventId = newId();
    eventIds.add(eventId);
    return {
      orgId: endpoint.orgId,
      endpointId: endpoint.id,
      eventId,
      body: deliveredBody(EVENT_TYPES.drain, eventId, at, seq),
    };
  });
  await insertMessages(d.database.db, messages, HELD_UNTIL);
  const before = cpuOf(await d.workPids());
  const due = new Date().toISOString();
  await d.database.db
    .updateTable('webhook_messages')
    .set({ next_attempt_at: due, created_at: due, updated_at: due })
    .where('endpoint_id', '=', endpoint.id)
    .execute();
  await sink.waitFor(endpoint.label, 'events', count, timeoutMs);
  const cpu = total(cpuSince(before));
  const done = await settled(d, 'endpoint_id', endpoint.id, count, timeoutMs);
  const stats = await sink.stats(endpoint.label);
  const arrived = new Set(stats.eventIds);
  return {
    perSecond: ratePerSecond(stats),
    cpuMicros: (cpu / count) * 1e6,
    count,
    stats,
    missing: [...eventIds].filter((id) => !arrived.has(id)).length,
    unexpected: [...arrived].filter((id) => !eventIds.has(id)).length,
    allSucceeded: done === count,
  };
}

/** The baseline (bare-loop.ts) posting `count` of the same bodies to the sink under `label`. */
export async function bareDrain(
  sink: Sink,
  label: string,
  secret: string,
  count: number,
): Promise<DrainRound> {
  await sink.secrets({ [new URL(sink.hookUrl(label)).pathname]: secret });
  const child = startNode(['--import', 'tsx', path.join('bench', 'webhooks', 'outbound', 'bare-loop.ts')], {
    BENCH_URL: sink.hookUrl(label),
    BENCH_SECRET: secret,
    BENCH_COUNT: String(count),
    BENCH_CONCURRENCY: String(DISPATCHER_BATCH),
  });
  try {
    const done = await child.line((l) => l.msg === 'done');
    const stats = await sink.stats(label);
    return {
      perSecond: ratePerSecond(stats),
      cpuMicros: (Number(done.cpuMs) * 1000) / count,
      count,
      stats,
      missing: count - stats.eventIds.length,
      unexpected: 0,
      allSucceeded: done.ok === count,
    };
  } finally {
    await child.stop();
  }
}

export interface Drains {
  bare: DrainRound[];
  switchboard: DrainRound[];
  /** Where the measured rounds' messages went: their rows are the floor's to update. */
  endpointIds: string[];
}

/**
 * Switchboard's drains and the baseline's side by side: a warm-up each, then `rounds` rounds of
 * `count` deliveries, in turns (this shared 2-core VM drifts over seconds: only rounds side by
 * side compare).
 */
export async function drainRounds(
  d: Deployment,
  sink: Sink,
  load: { rounds: number; count: number; warmUpCount: number; timeoutMs: number },
): Promise<Drains> {
  const endpoints: BenchEndpoint[] = [];
  for (let round = 0; round <= load.rounds; round++) {
    endpoints.push(await createEndpoint(d, sink, `drain-sb-${round}`, EVENT_TYPES.drain));
  }
  // The baseline signs with a secret of the same form.
  const secret = endpoints[0]!.secret;
  await switchboardDrain(d, sink, endpoints[0]!, load.warmUpCount, load.timeoutMs);
  await bareDrain(sink, 'drain-bare-warm', secret, load.warmUpCount);
  const m: Drains = { bare: [], switchboard: [], endpointIds: endpoints.slice(1).map((e) => e.id) };
  for (let round = 1; round <= load.rounds; round++) {
    const sb = () => switchboardDrain(d, sink, endpoints[round]!, load.count, load.timeoutMs);
    const bare = () => bareDrain(sink, `drain-bare-${round}`, secret, load.count);
    if (round % 2 === 1) {
      m.switchboard.push(await sb());
      m.bare.push(await bare());
    } else {
      m.bare.push(await bare());
      m.switchboard.push(await sb());
    }
  }
  return m;
}

import type { Deployment } from './deployment.js';
import { createEndpoint, settled } from './drain.js';
import { benchPayload, EVENT_TYPES } from './payload.js';
import type { Sink, SinkStats } from './sink-client.js';

/** Endpoints created at once through the API while setting up. */
const CREATORS = 8;
/** How often the bench looks for the event's messages in the database. */
const POLL_MS = 5;

export interface FannedOut {
  endpoints: number;
  /** How long creating the endpoints through the API took. */
  setupMs: number;
  /** From the event's commit: until all its messages were in the database (polled every POLL_MS). */
  messagesMs: number;
  /** From the event's commit: the first delivery and the last at the sink. */
  firstDeliveryMs: number;
  allDeliveredMs: number;
  /** From the event's commit: until every message was settled `succeeded`. */
  settledMs: number;
  /** Messages settled `succeeded` when the bench stopped waiting. */
  succeeded: number;
  stats: SinkStats;
}

/**
 * One event to `count` endpoints: created through the API (each at a path of its own under one
 * sink label), then one event published; timed from its commit (its `occurred_at`).
 */
export async function fanOut(
  d: Deployment,
  sink: Sink,
  count: number,
  timeoutMs: number,
): Promise<FannedOut> {
  const label = 'fan-out';
  const setupStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATORS }, async () => {
      while (next < count) await createEndpoint(d, sink, label, EVENT_TYPES.fanOut, `/${next++}`);
    }),
  );
  const setupMs = performance.now() - setupStarted;
  const event = await d.call<{ id: string; occurred_at: string }>('POST', '/events', {
    type: EVENT_TYPES.fanOut,
    payload: benchPayload(0),
  });
  const committed = Date.parse(event.occurred_at);
  const messagesOf = d.database.db
    .selectFrom('webhook_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('event_id', '=', event.id);
  const until = performance.now() + timeoutMs;
  while (Number((await messagesOf.executeTakeFirstOrThrow()).n) < count && performance.now() < until) {
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const messagesMs = Date.now() - committed;
  await sink.waitFor(label, 'distinct', count, timeoutMs);
  const succeeded = await settled(d, 'event_id', event.id, count, until - performance.now(), POLL_MS);
  const settledMs = Date.now() - committed;
  const stats = await sink.stats(label);
  return {
    endpoints: count,
    setupMs,
    messagesMs,
    firstDeliveryMs: stats.firstMs - committed,
    allDeliveredMs: stats.lastMs - committed,
    settledMs,
    succeeded,
    stats,
  };
}

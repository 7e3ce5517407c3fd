/**
 * For connector tests: a connector's context as the engine builds it, pointed at a fake provider,
 * with every request it made recorded. Private networks are allowed (fakes listen on loopback) and
 * rate-limit waits are recorded and skipped, so a test of a 429 takes no time.
 */
import { Agent } from 'undici';
import { createLogger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import type { Connector, ConnectorContext, RunLogger, SyncBatch, SyncContext } from '../sdk.js';
import { connectorContext } from './context.js';

export interface RecordedRequest {
  method: string;
  /** The URL's path and query. */
  path: string;
  headers: Record<string, string>;
}

export interface TestKitOptions {
  signal?: AbortSignal;
  oauth?: ProviderAuth;
  /** The longest rate-limit wait taken inside an operation (default one minute). */
  maxWaitMs?: number;
}

export interface TestKit<Config> {
  ctx: ConnectorContext<Config>;
  /** Every request the connector sent, in order (rate-limit retries included). */
  requests: RecordedRequest[];
  /** Every rate-limit wait, in ms, that the engine would have slept. */
  waits: number[];
}

/** Records each request the agent dispatches. */
class RecordingAgent extends Agent {
  constructor(private readonly requests: RecordedRequest[]) {
    super();
  }

  override dispatch(options: Agent.DispatchOptions, handler: Parameters<Agent['dispatch']>[1]): boolean {
    const headers: Record<string, string> = {};
    const raw = options.headers;
    if (raw && !Array.isArray(raw) && typeof raw === 'object' && !(Symbol.iterator in raw)) {
      for (const [name, value] of Object.entries(raw))
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    this.requests.push({ method: options.method, path: options.path, headers });
    return super.dispatch(options, handler);
  }
}

export function testContext<Config extends Record<string, unknown>>(
  connector: Connector<Config>,
  config: Config,
  options: TestKitOptions = {},
): TestKit<Config> {
  const requests: RecordedRequest[] = [];
  const waits: number[] = [];
  let clock = Date.now();
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const outbound: Outbound = {
    dispatcher: new RecordingAgent(requests),
    pacing: {
      maxWaitMs,
      // A fake clock that moves by each wait: what waits for a reset sees it reached.
      now: () => Math.max(clock, Date.now()),
      wait: async (ms) => {
        waits.push(ms);
        clock = Math.max(clock, Date.now()) + ms;
      },
    },
    checkTarget: async () => {},
  };
  const ctx = connectorContext(connector.definition, config, {
    logger: createLogger('silent'),
    signal: options.signal ?? new AbortController().signal,
    outbound,
    ...(options.oauth ? { oauth: options.oauth } : {}),
  });
  return { ctx, requests, waits };
}

/** Runs a connector's sync in a test kit's context; its batches and what it wrote to the run log. */
export async function collectSync<Config extends Record<string, unknown>>(
  connector: Connector<Config>,
  kit: TestKit<Config>,
  options: { fullSync?: boolean; cursors?: Record<string, string> } = {},
): Promise<{ batches: SyncBatch[]; log: { level: string; message: string }[] }> {
  if (!connector.sync) throw new Error(`${connector.definition.slug} does not sync`);
  const log: { level: string; message: string }[] = [];
  const runLog: RunLogger = { log: (level, message) => log.push({ level, message }) };
  const ctx: SyncContext<Config> = {
    ...kit.ctx,
    fullSync: options.fullSync ?? true,
    cursors: options.cursors ?? {},
    runLog,
  };
  const batches: SyncBatch[] = [];
  for await (const batch of connector.sync(ctx)) batches.push(batch);
  return { batches, log };
}

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
  /**
   * The context's clock (epoch ms): the time the kit was made, moved on only by each wait instead of
   * sleeping, so that a recorded wait is exactly what was asked. A fake that announces rate-limit
   * windows reads it too, so that a wait reaches the reset it waited for.
   */
  now(): number;
}

/** Records each request the agent dispatches, and knows when none is in flight. */
class RecordingAgent extends Agent {
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(private readonly requests: RecordedRequest[]) {
    super();
  }

  /** Resolves once every request dispatched so far has ended. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  override dispatch(options: Agent.DispatchOptions, handler: Parameters<Agent['dispatch']>[1]): boolean {
    const headers: Record<string, string> = {};
    const raw = options.headers;
    if (raw && !Array.isArray(raw) && typeof raw === 'object' && !(Symbol.iterator in raw)) {
      for (const [name, value] of Object.entries(raw))
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    this.requests.push({ method: options.method, path: options.path, headers });
    this.#inFlight += 1;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.#inFlight -= 1;
      if (this.#inFlight === 0) for (const resume of this.#idle.splice(0)) resume();
    };
    const ENDINGS = new Set(['onComplete', 'onError', 'onResponseEnd', 'onResponseError']);
    const tracked = new Proxy(handler, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (!ENDINGS.has(String(property))) return value.bind(target);
        return (...args: unknown[]) => {
          end();
          return value.apply(target, args);
        };
      },
    });
    return super.dispatch(options, tracked);
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
  const now = () => clock;
  const agent = new RecordingAgent(requests);
  const outbound: Outbound = {
    dispatcher: agent,
    pacing: {
      maxWaitMs,
      now,
      waitUntil: async (at) => {
        waits.push(Math.max(0, at - now()));
        // A real wait lets the requests in flight arrive first: only then does the clock move on.
        await agent.idle();
        clock = Math.max(clock, at);
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
  return { ctx, requests, waits, now };
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

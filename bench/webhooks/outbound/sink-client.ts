import path from 'node:path';
import { request } from 'undici';
import { type Child, startNode } from '../../lib.js';

/** What the sink counted under one label (sink.ts). */
export interface SinkStats {
  received: number;
  /** Distinct `webhook-id`s. */
  distinct: number;
  /** Distinct `data.event_id`s. */
  eventIds: string[];
  /** Distinct request paths (one per endpoint in the fan-out). */
  paths: number;
  /** Wall-clock ms of the first and the last delivery. */
  firstMs: number;
  lastMs: number;
  /** Per delivery, ms from the event's commit (the body's `timestamp`). */
  fromCommit: number[];
  /** Per delivery, ms from when the bench's schedule sent the event (`data.due_ms`), where it carries one. */
  fromDue: number[];
  verified: number;
  unverified: number;
  malformed: number;
}

export interface SinkCounts {
  received: number;
  events: number;
  distinct: number;
}

export interface Sink {
  process: Child;
  url: string;
  pid: number;
  /** Where a label's deliveries go: `/hook/<label>`, with `suffix` appended. */
  hookUrl(label: string, suffix?: string): string;
  /** Registers the secret each path is signed with, for the sampled checks. */
  secrets(byPath: Record<string, string>): Promise<void>;
  stats(label: string): Promise<SinkStats>;
  /** Drops what arrived under `label` so far. */
  forget(label: string): Promise<void>;
  counts(label: string): Promise<SinkCounts>;
  /** Polls until `label`'s count `of` reaches `n`, `timeoutMs` at most: the counts then. */
  waitFor(label: string, of: keyof SinkCounts, n: number, timeoutMs: number): Promise<SinkCounts>;
  stop(): Promise<void>;
}

/** The sink in a process of its own (`nodeArgs` such as --cpu-prof go before the script). */
export async function startSink(nodeArgs: string[] = []): Promise<Sink> {
  const child = startNode([
    ...nodeArgs,
    '--import',
    'tsx',
    path.join('bench', 'webhooks', 'outbound', 'sink.ts'),
  ]);
  try {
    const url = String((await child.line((l) => l.msg === 'listening')).url);
    const call = async <T>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<T> => {
      const res = await request(`${url}/_sink/${route}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.body.json()) as T;
      if (res.statusCode !== 200)
        throw new Error(`sink ${method} ${route}: ${res.statusCode} ${JSON.stringify(json)}`);
      return json;
    };
    const counts = (label: string) => call<SinkCounts>('GET', `counts/${label}`);
    return {
      process: child,
      url,
      pid: child.child.pid!,
      hookUrl: (label, suffix = '') => `${url}/hook/${label}${suffix}`,
      secrets: (byPath) => call('POST', 'secrets', byPath),
      stats: (label) => call<SinkStats>('GET', `labels/${label}`),
      forget: (label) => call('DELETE', `labels/${label}`),
      counts,
      async waitFor(label, of, n, timeoutMs) {
        const until = performance.now() + timeoutMs;
        for (;;) {
          const c = await counts(label);
          if (c[of] >= n || performance.now() > until) return c;
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

// What a provider brings to the benchmark: its connector and connection config, and the bare loop
// that makes the requests its sync makes, with undici's request and JSON.parse, storing nothing:
// GETs paged by `Link` (Okta, GitHub), or POSTs (AWS's JSON protocol, Slack's Web API).
import { request } from 'undici';
import type { Connector } from '../../src/connectors/sdk.js';
import { nextLink } from '../../src/connectors/toolkit/pagination.js';

export interface Provider {
  connector: Connector;
  /** A connection's config calling the fake at `url`. */
  config(url: string): Record<string, unknown>;
  /** The sync's requests to the fake at `url`; the number of records a sync would store from them. */
  bareLoop(url: string): Promise<number>;
  /**
   * The same requests through the provider SDK the connector uses, configured as the connector
   * configures it but on the SDK's own transport, with no engine (no guard, pacing or storage): what
   * the dependency alone costs. Absent where the connector uses no SDK.
   */
  sdk?: { name: string; loop(url: string): Promise<number> };
}

interface Answer {
  status: number;
  body: unknown;
  /** The `Link` header's `rel="next"` URL. */
  next: string | null;
}

/** GET `url`, its body read and parsed; what no sync survives (401, 429, 5xx) is thrown. */
export async function get(url: string, headers: Record<string, string>): Promise<Answer> {
  const response = await request(url, { headers });
  const text = await response.body.text();
  const status = response.statusCode;
  if (status === 401 || status === 429 || status >= 500) throw new Error(`GET ${url}: HTTP ${status}`);
  // Okta sends a `Link` header per relation: several headers are one list (RFC 8288).
  const link = [response.headers.link ?? []].flat().join(', ');
  return { status, body: text === '' ? null : JSON.parse(text), next: nextLink(link) };
}

/**
 * A listing from `first`, page after page by `Link` rel="next", `each` awaited on every page's
 * items before the next is asked for (as the connectors do); a refusal (403, 404) ends it.
 */
export async function pages<T>(
  first: string,
  headers: Record<string, string>,
  each: (items: T[]) => Promise<void> | void,
): Promise<void> {
  let url: string | null = first;
  while (url !== null) {
    const answer: Answer = await get(url, headers);
    if (answer.status !== 200) return;
    await each(answer.body as T[]);
    url = answer.next;
  }
}

/** POST `body` to `url`, the answer parsed; anything but a 200 is thrown (the bare loop retries nothing). */
export async function post<T>(url: string, headers: Record<string, string>, body: string): Promise<T> {
  const response = await request(url, { method: 'POST', headers, body });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`POST ${url}: HTTP ${response.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

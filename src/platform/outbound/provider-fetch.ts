import { type Dispatcher, request } from 'undici';
import { InvalidFieldsError } from '../errors.js';
import { withoutQueryCredential, withQueryCredential } from './credential-scheme.js';
import { isRateLimited, type Pacing, RateLimitPacer, rateLimitWaitMs } from './rate-limit.js';
import { forbiddenTargetOf } from './ssrf-guard.js';

/**
 * How requests to a provider are authenticated beyond the config (OAuth bearer tokens): the engine
 * adds the header, and after a 401 asks for a fresh credential once before giving up.
 */
export interface ProviderAuth {
  /** Sets the credential on an outgoing request. */
  authorize(headers: Headers): Promise<void>;
  /**
   * A credential carried in a query parameter instead (an API key the provider reads from the URL):
   * set on each request as it is sent, and stripped from the URLs answers name (`Link`, `Location`),
   * so the connector's paths, its cursors, logs and errors never hold it.
   */
  readonly query?: { param: string; value: string };
  /** Called after a 401; true when a new credential is in place and the request may be retried. */
  refreshAfterUnauthorized(): Promise<boolean>;
}

export interface ProviderFetchOptions {
  /** The provider API's base URL (see parseBaseUrl). */
  baseUrl: URL;
  signal: AbortSignal;
  auth?: ProviderAuth;
  /** Headers every request sends unless it sets its own. */
  headers?: Record<string, string>;
  /** What connects (the SSRF guard's agent); undici's global one when absent. */
  dispatcher?: Dispatcher;
  /** How rate limits are waited out. */
  pacing: Pacing;
  /**
   * Hosts besides the base URL's that requests may go to over https: those of a provider whose SDK
   * picks its own endpoints (AWS: each region's). Each is guarded and paced like the base URL.
   */
  otherHosts?: (hostname: string) => boolean;
  /** The family of endpoints a path counts against, where the provider counts them apart (see RateLimitPacer). */
  rateLimitFamily?: (pathname: string) => string;
  /** Told the size of each response body the connector reads (bytes_transferred). */
  onBytes?: (bytes: number) => void;
}

/** A request to the provider: a path under the connection's base URL, and what to send. */
export interface ProviderRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts this request; the operation's own signal always applies too. */
  signal?: AbortSignal;
}

/**
 * The provider's answer. Its body is read once, as JSON or text, or discarded: one of the three
 * must happen, or the connection stays busy until the operation ends.
 */
export interface ProviderResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: ResponseHeaders;
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  /** Drops the body unread, freeing the connection for the next request. */
  discard(): Promise<void>;
}

export interface ResponseHeaders {
  get(name: string): string | null;
  /** Every header, lower-case names, repeated values joined by `, `. */
  all(): Record<string, string>;
}

export type ProviderFetch = (path: string, init?: ProviderRequest) => Promise<ProviderResponse>;

/**
 * A provider API's base URL, checked; an InvalidFieldsError naming `field` (the config field it
 * came from) when it is missing or unusable.
 */
export function parseBaseUrl(base: unknown, field = 'config.base_url'): URL {
  if (typeof base !== 'string' || base === '') {
    throw new InvalidFieldsError([{ field, message: 'is required: the connector calls the provider there' }]);
  }
  // A trailing slash keeps the base's own path when a provider path is resolved against it.
  const href = base.endsWith('/') ? base : `${base}/`;
  const url = URL.canParse(href) ? new URL(href) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new InvalidFieldsError([{ field, message: 'must be an absolute http(s) URL' }]);
  }
  return url;
}

/** The provider could not be reached or stopped answering (refused, reset, DNS, TLS, timeouts). */
export class ProviderUnreachableError extends Error {
  override readonly name = 'ProviderUnreachableError';
}

/** What a failed request or body read becomes: the operation's own reason, or unreachable. */
function transportFailure(error: unknown, signal: AbortSignal, origin: string): unknown {
  // A cancelled or timed-out operation ends with its own reason, not as a network failure.
  if (signal.aborted) return signal.reason;
  const forbidden = forbiddenTargetOf(error);
  if (forbidden) return forbidden;
  const why = error instanceof Error ? error.message : String(error);
  return new ProviderUnreachableError(`${origin}: ${why}`, { cause: error });
}

/** Answer headers naming URLs: providers often build them from the request's, query credential included. */
const URL_HEADERS = new Set(['link', 'location', 'content-location']);

/** An answer's headers; `hiddenParam` (a query credential's) is stripped from the URLs they name. */
function headersOf(response: Dispatcher.ResponseData, hiddenParam?: string): ResponseHeaders {
  const joined = (name: string, value: string | string[] | undefined) => {
    if (value === undefined) return null;
    const text = Array.isArray(value) ? value.join(', ') : value;
    return hiddenParam !== undefined && URL_HEADERS.has(name)
      ? withoutQueryCredential(text, hiddenParam)
      : text;
  };
  return {
    get: (name) => joined(name.toLowerCase(), response.headers[name.toLowerCase()]),
    all: () => {
      const all: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        const text = joined(name, value);
        if (text !== null) all[name] = text;
      }
      return all;
    },
  };
}

/**
 * Wraps undici's answer. Bodies are read as bytes, so their size is known whatever the encoding
 * (bytes_transferred), then decoded.
 */
function providerResponse(
  response: Dispatcher.ResponseData,
  signal: AbortSignal,
  origin: string,
  onBytes?: (bytes: number) => void,
  hiddenParam?: string,
): ProviderResponse {
  const bytes = async () => {
    let body: Buffer;
    try {
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      throw transportFailure(error, signal, origin);
    }
    onBytes?.(body.byteLength);
    return body;
  };
  return {
    status: response.statusCode,
    ok: response.statusCode >= 200 && response.statusCode < 300,
    headers: headersOf(response, hiddenParam),
    bytes,
    async json<T>() {
      return JSON.parse((await bytes()).toString('utf8')) as T;
    },
    async text() {
      return (await bytes()).toString('utf8');
    },
    async discard() {
      await response.body.dump();
    },
  };
}

/**
 * The HTTP client a connector gets: `/users` on `https://host/api` requests `https://host/api/users`,
 * with the operation's signal and the connection's credential. A connector talks to its provider
 * only, so another origin is refused (unless `otherHosts` names it), and redirects are answered, not followed (one could lead
 * elsewhere). Rate limits are waited out within the pacing's budget (see RateLimitPacer): the
 * connector sees a rate-limit answer only when `handleRateLimits` is off (an SDK's own throttling).
 * Built on undici's `request` rather than WHATWG fetch: a third of fetch's CPU per request, and none
 * of the per-request objects that fetch keeps reachable from weak references (which V8 only clears
 * in full collections), so a long sync's heap stays small (bench/sync).
 */
export function providerFetch(options: ProviderFetchOptions, handleRateLimits = true): ProviderFetch {
  const { baseUrl: base } = options;
  const pacer = new RateLimitPacer(options.pacing, base.origin, options.rateLimitFamily);
  return async (path, init = {}) => {
    const url = new URL(path.replace(/^\/+/, ''), base);
    if (url.origin !== base.origin && !(url.protocol === 'https:' && options.otherHosts?.(url.hostname)))
      throw new Error(`Refusing to call ${url.origin}: not the provider's base URL`);
    const signal =
      init.signal && init.signal !== options.signal
        ? AbortSignal.any([options.signal, init.signal])
        : options.signal;
    const send = async () => {
      await pacer.before(url, signal);
      const headers = new Headers(options.headers);
      for (const [name, value] of Object.entries(init.headers ?? {})) headers.set(name, value);
      try {
        await options.auth?.authorize(headers);
      } catch (error) {
        pacer.failed(url);
        throw error;
      }
      try {
        const query = options.auth?.query;
        return await request(query ? withQueryCredential(url, query) : url, {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          ...(init.body === undefined ? {} : { body: init.body }),
          ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
          signal,
        });
      } catch (error) {
        pacer.failed(url);
        throw transportFailure(error, signal, url.origin);
      }
    };
    let refreshed = false;
    for (;;) {
      const response = await send();
      const notice = pacer.after(url, headersOf(response));
      if (handleRateLimits && isRateLimited(response.statusCode, notice)) {
        await response.body.dump();
        pacer.hold(url, rateLimitWaitMs(notice, options.pacing.now()), response.statusCode);
        continue;
      }
      if (response.statusCode === 401 && !refreshed && (await options.auth?.refreshAfterUnauthorized())) {
        refreshed = true;
        await response.body.dump();
        continue;
      }
      return providerResponse(response, signal, url.origin, options.onBytes, options.auth?.query?.param);
    }
  };
}

/**
 * `providerFetch` as a WHATWG fetch, for provider SDKs that take one: the same base origin, guard,
 * credential and pacing; rate-limit answers go back to the SDK's own throttling.
 */
export function providerWebFetch(options: ProviderFetchOptions): typeof fetch {
  const call = providerFetch(options, false);
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = Object.fromEntries(
      new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)),
    );
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('provider requests send strings or bytes');
    }
    const answer = await call(url, {
      method: (init?.method ?? 'GET').toUpperCase() as ProviderRequest['method'],
      headers,
      ...(body === undefined || body === null ? {} : { body }),
      ...(init?.signal ? { signal: init.signal } : {}),
    });
    const bodyless = answer.status === 204 || answer.status === 304 || init?.method === 'HEAD';
    const answered = { status: answer.status, headers: answer.headers.all() };
    if (bodyless) {
      await answer.discard();
      return new Response(null, answered);
    }
    return new Response(await answer.bytes(), answered);
  };
}

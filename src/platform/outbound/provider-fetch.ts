import { invalidFields } from '../http/errors.js';

type Config = Record<string, unknown>;

/**
 * How requests to a provider are authenticated beyond the config (OAuth bearer tokens): the engine
 * adds the header, and after a 401 asks for a fresh credential once before giving up.
 */
export interface ProviderAuth {
  /** Sets the credential on an outgoing request. */
  authorize(headers: Headers): Promise<void>;
  /** Called after a 401; true when a new credential is in place and the request may be retried. */
  refreshAfterUnauthorized(): Promise<boolean>;
}

export interface ProviderFetchOptions {
  signal: AbortSignal;
  auth?: ProviderAuth;
  /** Told the size of each response body the connector reads (bytes_transferred). */
  onBytes?: (bytes: number) => void;
}

export type ProviderFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** The connection's `config.base_url`, checked; a 400 naming the field when it is unusable. */
export function providerBaseUrl(config: Config): URL {
  const field = 'config.base_url';
  const base = config.base_url;
  if (typeof base !== 'string' || base === '') {
    throw invalidFields([
      { field, location: 'body', message: 'is required: the connector calls the provider there' },
    ]);
  }
  // A trailing slash keeps the base's own path when a provider path is resolved against it.
  const href = base.endsWith('/') ? base : `${base}/`;
  const url = URL.canParse(href) ? new URL(href) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalidFields([{ field, location: 'body', message: 'must be an absolute http(s) URL' }]);
  }
  return url;
}

/**
 * Reports the body's size on the wire: its Content-Length when the provider sent one (the body is
 * then handed over untouched; reading it into a copy cost a sync ~10% of its time, bench/sync),
 * else counted chunk by chunk as the connector reads it.
 */
function counted(response: Response, onBytes: (bytes: number) => void): Response {
  if (response.body === null) return response;
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared)) {
    onBytes(Number(declared));
    return response;
  }
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      onBytes(chunk.byteLength);
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * `fetch` for a connector: `/users` on `https://host/api` requests `https://host/api/users`, with the
 * operation's signal and the connection's credential. A connector talks to its provider only, so
 * another origin is refused.
 */
export function providerFetch(config: Config, options: ProviderFetchOptions): ProviderFetch {
  let base: URL | undefined;
  return async (path, init = {}) => {
    base ??= providerBaseUrl(config);
    const url = new URL(path.replace(/^\/+/, ''), base);
    if (url.origin !== base.origin)
      throw new Error(`Refusing to call ${url.origin}: not the provider's base URL`);
    // A signal of the request's own, following the operation's: fetch leaves its abort listener on
    // the signal it is given until the request is garbage-collected, and a sync's thousands of
    // requests on the run's one signal piled them up (MaxListenersExceededWarning in bench/sync).
    const signal = AbortSignal.any(init.signal ? [options.signal, init.signal] : [options.signal]);
    const send = async () => {
      const headers = new Headers(init.headers);
      await options.auth?.authorize(headers);
      return fetch(url, { ...init, headers, signal });
    };
    let response = await send();
    if (response.status === 401 && options.auth && (await options.auth.refreshAfterUnauthorized())) {
      await response.body?.cancel();
      response = await send();
    }
    return options.onBytes ? counted(response, options.onBytes) : response;
  };
}

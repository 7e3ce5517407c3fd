/**
 * The AWS SDK's HTTP goes through the engine: a Smithy request handler that sends each signed
 * request with the connector context's `webFetch` (the SSRF guard, the connection's pacing, byte
 * counts and the operation's signal) instead of the SDK's own Node HTTP stack.
 */
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/types';

/** What a client's `requestHandler` must be (Smithy's HttpHandler, without its configuration hooks' use). */
export interface ContextHttpHandler {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
}

/** The request's URL; the AWS protocols this connector uses (JSON 1.1, Query) send no query, but any is kept. */
function urlOf(request: HttpRequest): string {
  const port = request.port ? `:${request.port}` : '';
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null) query.append(name, item);
  }
  const search = query.size > 0 ? `?${query.toString().replace(/\+/g, '%20')}` : '';
  return `${request.protocol}//${request.hostname}${port}${request.path}${search}`;
}

function bodyOf(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('the AWS SDK handed a streaming body, which these operations never send');
}

export function contextHttpHandler(webFetch: typeof fetch): ContextHttpHandler {
  return {
    async handle(request, options = {}) {
      const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
      const body = bodyOf(request.body);
      const answer = await webFetch(urlOf(request), {
        method: request.method,
        headers: request.headers,
        ...(body === undefined ? {} : { body }),
        ...(signal ? { signal } : {}),
      });
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return {
        response: {
          statusCode: answer.status,
          reason: answer.statusText,
          headers,
          body: new Uint8Array(await answer.arrayBuffer()),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

import { type FastifyReply, type FastifyRequest, LogController, type onRouteHookHandler } from 'fastify';
import { redactUrl } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Path parameters that are bearer secrets (an invitation token): every request log line shows
     * `[redacted]` in their place.
     */
    secretParams?: readonly string[];
  }
}

// Probes and scrapes arrive every few seconds; logging them at info would bury real traffic.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Refuses, at start, a route whose `secretParams` names none of its path parameters: a misspelt
 * name would log the secret without a sound.
 */
export const checkSecretParams: onRouteHookHandler = (route) => {
  for (const name of route.config?.secretParams ?? []) {
    if (!route.url.includes(`:${name}`)) {
      throw new Error(`${route.url}: secretParams names '${name}', which is not one of its path parameters`);
    }
  }
};

/** The URL as a log line may show it: secret query values and declared secret path params masked. */
function loggedUrl(request: FastifyRequest, route = request.routeOptions): string {
  const secretParams = route.config?.secretParams;
  return redactUrl(
    request.url,
    secretParams && route.url !== undefined ? { pattern: route.url, secretParams } : undefined,
  );
}

/**
 * Sees every request once, when it completes: writes its one log line (request id under
 * `request_id`, secrets out of the URL) and records its metrics. Fastify calls its log controller
 * for every response anyway; doing the metrics here instead of in an onResponse hook saved ~20% of
 * a minimal request's cost (bench/http).
 */
export class RequestObserver extends LogController {
  constructor(
    private readonly metrics: Metrics,
    /** Whether probe lines (logged at debug) are written at all. */
    private readonly logProbes: boolean,
  ) {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const routeOptions = request.routeOptions;
    const route = routeOptions.url;
    const status = reply.statusCode;
    // Label by route template, never by raw URL, which would explode the series count.
    this.metrics.observeRequest(
      { method: request.method, route: route ?? 'unmatched', status_code: status },
      reply.elapsedTime / 1000,
    );
    const quiet = !error && route !== undefined && QUIET_ROUTES.has(route);
    // A probe's line is usually below the level: skip building it (the hot path of bench/http).
    if (quiet && !this.logProbes) return;
    const entry = {
      method: request.method,
      url: loggedUrl(request, routeOptions),
      status_code: status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(error ? { err: error } : {}),
    };
    if (error) request.log.error(entry, 'request errored');
    else if (quiet) request.log.debug(entry, 'request completed');
    else request.log.info(entry, 'request completed');
  }

  // Fastify's own versions of the two lines below log the whole request (`req`), raw URL and params
  // included: each says only what requestCompleted says about the request.

  /** Our error handler failed and Fastify's default one answered. */
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    const entry = {
      method: request.method,
      url: loggedUrl(request),
      status_code: reply.statusCode,
      err: error,
    };
    if (reply.statusCode >= 500) request.log.error(entry, 'request failed');
    else request.log.info(entry, 'request failed');
  }

  override writeHeadError(error: Error, request: FastifyRequest): void {
    request.log.warn(
      { method: request.method, url: loggedUrl(request), err: error },
      'could not write the response head',
    );
  }
}

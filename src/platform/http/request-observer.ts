import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { redactUrl } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';

// Probes and scrapes arrive every few seconds; logging them at info would bury real traffic.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

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
    const route = request.routeOptions.url;
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
      url: redactUrl(request.url),
      status_code: status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(error ? { err: error } : {}),
    };
    if (error) request.log.error(entry, 'request errored');
    else if (quiet) request.log.debug(entry, 'request completed');
    else request.log.info(entry, 'request completed');
  }
}

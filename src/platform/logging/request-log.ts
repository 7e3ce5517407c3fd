import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { redactUrl } from './logger.js';

// Probes and scrapes arrive every few seconds; logging them at info would bury real traffic.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** One line per request, when it completes, with the request id under `request_id` and secrets out of the URL. */
export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const entry = {
      method: request.method,
      url: redactUrl(request.url),
      status_code: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(error ? { err: error } : {}),
    };
    if (error) request.log.error(entry, 'request errored');
    else if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) request.log.debug(entry, 'request completed');
    else request.log.info(entry, 'request completed');
  }
}

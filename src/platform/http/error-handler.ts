import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { ErrorResponse } from './envelope.js';
import { errorBody, statusOf } from './error-response.js';
import { REQUEST_ID_HEADER } from './request-id.js';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Names the offending field the way a client wrote it: `config.api_token`, `page`. */
function fieldOf(issue: ValidationIssue): string {
  const base = issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const child = issue.params.missingProperty ?? issue.params.additionalProperty ?? issue.params.propertyName;
  if (typeof child === 'string') base.push(child);
  return base.join('.');
}

function messageOf(issue: ValidationIssue): string {
  if (issue.params.additionalProperty !== undefined) return 'is not an allowed field';
  if (issue.params.missingProperty !== undefined) return 'is required';
  if (Array.isArray(issue.params.allowedValues))
    return `must be one of: ${issue.params.allowedValues.join(', ')}`;
  return issue.message ?? 'is invalid';
}

function validationError(error: FastifyError): AppError {
  const location = error.validationContext ?? 'body';
  const seen = new Set<string>();
  const fields: { field: string; location: string; message: string }[] = [];
  for (const issue of (error.validation ?? []) as ValidationIssue[]) {
    // anyOf/const noise: one message per field is enough to act on.
    if (issue.params.passingSchemas !== undefined) continue;
    const field = fieldOf(issue);
    const message = messageOf(issue);
    const key = `${location}:${field}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ field, location, message });
  }
  const summary = fields.map((f) => `${f.field || location} ${f.message}`).join('; ');
  return new AppError('VALIDATION_ERROR', `Invalid ${location}: ${summary}`, { fields });
}

const frameworkCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

// The router's refusals: their messages quote the URL back, so the registry's messages stand in.
const routerCodes: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'INVALID_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};

/** Maps anything thrown to an AppError; unknown failures become INTERNAL_ERROR with no internals. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fe = error as Partial<FastifyError>;
  if (fe.validation) return validationError(fe as FastifyError);
  const refused = fe.code ? routerCodes[fe.code] : undefined;
  if (refused) return new AppError(refused);
  const mapped = fe.code ? frameworkCodes[fe.code] : undefined;
  if (mapped) return new AppError(mapped, fe.message);
  if (fe.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (fe.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (
    fe.statusCode !== undefined &&
    fe.statusCode >= 400 &&
    fe.statusCode < 500 &&
    fe.code?.startsWith('FST_')
  ) {
    return new AppError('BAD_REQUEST', fe.message);
  }
  return new AppError('INTERNAL_ERROR');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  return reply
    .code(statusOf(error.code))
    .type('application/json; charset=utf-8')
    .send(errorBody(error, request.id));
}

/** One place where failures become responses: the envelope, the status from the error's kind. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.addSchema(ErrorResponse);
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (statusOf(appError.code) >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new AppError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`),
    ),
  );
}

/** Headers every response carries, whatever refused the request: the security headers. */
type ResponseHeaders = Readonly<Record<string, string>>;

/**
 * Fastify's `frameworkErrors`: requests its router refuses before any hook runs (a URL that does
 * not percent-decode, a path parameter over maxParamLength). They answer like every other failure,
 * so the headers the onRequest hook would have set are set here.
 */
export function routerRefusal(headers: ResponseHeaders) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    reply.headers(headers).header(REQUEST_ID_HEADER, request.id);
    sendError(request, reply, toAppError(error));
  };
}

// What Node's HTTP parser refuses, as Node itself would answer it; anything else is a 400.
const parserCodes: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'PAYLOAD_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  // A method no route serves is an unknown route, whether or not Node's parser knows the method.
  HPE_INVALID_METHOD: 'NOT_FOUND',
};

/**
 * Fastify's `clientErrorHandler` (Node's `clientError`): requests Node's HTTP parser refuses
 * (headers over the size limit, a method it does not know, malformed syntax, too slow to arrive).
 * There is no request or reply, only the socket, so the response is written raw: the same envelope,
 * request id and headers as any other, then the connection closes.
 */
export function parserRefusal(logger: Logger, headers: ResponseHeaders) {
  return (error: ConnectionError, socket: Socket): void => {
    // A reset or closed connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) return;
    const appError = new AppError(parserCodes[error.code] ?? 'BAD_REQUEST');
    const status = statusOf(appError.code);
    // No request to take a caller's id from.
    const requestId = randomUUID();
    const body = JSON.stringify(errorBody(appError, requestId));
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      `${REQUEST_ID_HEADER}: ${requestId}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    // Not `err`: its rawPacket holds the request's bytes, credentials included.
    logger.info(
      { request_id: requestId, status_code: status, reason: error.code },
      'request refused by the HTTP parser',
    );
    // Destroyed once flushed: the parser has given up on this connection.
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
  };
}

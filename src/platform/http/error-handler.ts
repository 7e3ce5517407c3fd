import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse } from './envelope.js';
import { AppError, type ErrorBody, type ErrorCode } from './errors.js';

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

/** Maps anything thrown to an AppError; unknown failures become INTERNAL_ERROR with no internals. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fe = error as Partial<FastifyError>;
  if (fe.validation) return validationError(fe as FastifyError);
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

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: {
      ...error.extra,
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      request_id: requestId,
    },
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(error, request.id));
}

/** One place where failures become responses: the envelope, the status from the registry. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.addSchema(ErrorResponse);
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
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

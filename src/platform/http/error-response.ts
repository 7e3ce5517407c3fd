import {
  type AppError,
  type ErrorCode,
  type ErrorDetails,
  type ErrorKind,
  errorCodes,
  InvalidFieldsError,
} from '../errors.js';

const kindStatus: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

// Refusals of the protocol itself, for which HTTP has a finer status than their kind's.
const protocolStatus: Partial<Record<ErrorCode, number>> = {
  REQUEST_TIMEOUT: 408,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
};

/** The HTTP status a code answers with: the one place a domain error becomes a status. */
export function statusOf(code: ErrorCode): number {
  return protocolStatus[code] ?? kindStatus[errorCodes[code].kind];
}

/** The body every failure answers with. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: ErrorDetails;
    request_id: string;
    [extra: string]: unknown;
  };
}

/** Invalid input reaches the API in a request's body: the answer says so, field by field. */
function invalidBody(error: InvalidFieldsError): { message: string; details: ErrorDetails } {
  return {
    message: `Invalid body: ${error.message}`,
    details: { fields: error.fields.map(({ field, message }) => ({ field, location: 'body', message })) },
  };
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  const { message, details } = error instanceof InvalidFieldsError ? invalidBody(error) : error;
  return {
    error: {
      ...error.extra,
      code: error.code,
      message,
      ...(details ? { details } : {}),
      request_id: requestId,
    },
  };
}

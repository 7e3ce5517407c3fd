/**
 * The one registry of error codes: each code's HTTP status and default message. Modules throw
 * AppError with a code from here; one handler (error-handler.ts) turns it into the envelope.
 */
export const errorCodes = {
  VALIDATION_ERROR: { status: 400, message: 'Request validation failed' },
  INVALID_JSON: { status: 400, message: 'Request body is not valid JSON' },
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported media type' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  NOT_READY: { status: 503, message: 'Service is not ready' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ErrorDetails,
    /** Extra top-level members of the error object (e.g. `retry_after` on 429). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message ?? errorCodes[code].message);
    this.name = 'AppError';
    this.status = errorCodes[code].status;
  }
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

/**
 * The one registry of error codes: each code's HTTP status and default message. Modules throw
 * AppError with a code from here; one handler (error-handler.ts) turns it into the envelope.
 */
export const errorCodes = {
  VALIDATION_ERROR: { status: 400, message: 'Request validation failed' },
  INVALID_JSON: { status: 400, message: 'Request body is not valid JSON' },
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  INVALID_URL: { status: 400, message: 'The URL is not valid: it holds a malformed percent-encoding' },
  UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password' },
  SESSION_EXPIRED: { status: 401, message: 'Session expired after inactivity; log in again' },
  FORBIDDEN: { status: 403, message: 'You do not have permission to do this' },
  REGISTRATION_DISABLED: { status: 403, message: 'Registration is disabled on this server' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  ORG_NOT_FOUND: { status: 404, message: 'Organisation not found' },
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  MEMBER_NOT_FOUND: { status: 404, message: 'Member not found' },
  TEAM_NOT_FOUND: { status: 404, message: 'Team not found' },
  API_KEY_NOT_FOUND: { status: 404, message: 'API key not found' },
  INVITATION_NOT_FOUND: { status: 404, message: 'Invitation not found, expired or already used' },
  INTEGRATION_NOT_FOUND: { status: 404, message: 'Integration not found' },
  CONNECTION_NOT_FOUND: { status: 404, message: 'Connection not found' },
  USER_CREDENTIAL_NOT_FOUND: {
    status: 404,
    message: 'You have no credential of your own for this connection; connect it with connect/oauth first',
  },
  RUN_NOT_FOUND: { status: 404, message: 'Run not found' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists' },
  SLUG_TAKEN: { status: 409, message: 'An organisation with this slug already exists' },
  NAME_TAKEN: { status: 409, message: 'That name is already used' },
  ALREADY_MEMBER: { status: 409, message: 'The user is already a member' },
  LAST_ADMIN: { status: 409, message: 'An organisation needs at least one tenant_admin' },
  API_KEY_INACTIVE: { status: 409, message: 'API key is revoked or expired; create a new one' },
  INTEGRATION_IN_USE: { status: 409, message: 'The integration has connections; delete them first' },
  INTEGRATION_BUILTIN: {
    status: 409,
    message: 'A built-in integration comes back at the next start; disable it or hide it instead',
  },
  CONNECTOR_UNAVAILABLE: {
    status: 409,
    message: 'The connector behind this integration is not in this build',
  },
  SYNC_IN_PROGRESS: { status: 409, message: 'A sync is in progress; wait for it to finish or cancel it' },
  RUN_ALREADY_FINISHED: { status: 409, message: 'The run has already completed, failed or been cancelled' },
  AUTH_TYPE_MISMATCH: { status: 422, message: 'This integration does not authenticate that way' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  URI_TOO_LONG: { status: 414, message: 'A segment of the URL is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported media type' },
  CONNECTION_DISABLED: { status: 422, message: 'The connection is disabled; enable it first' },
  CONNECTION_NOT_CONNECTED: {
    status: 422,
    message: 'The connection is not connected; test and enable it before syncing',
  },
  TEST_REQUIRED: {
    status: 422,
    message: 'The connection has never passed a test; run POST /integration-connections/:id/test first',
  },
  CONFIG_LOCKED: { status: 422, message: 'Cannot update the config while a sync is in progress' },
  CREDENTIALS_UNREADABLE: {
    status: 422,
    message:
      'The stored credentials cannot be decrypted (altered, or sealed with a key no longer configured); send them again with PUT',
  },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Rate limit exceeded. Please try again later.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request line and headers are too large' },
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

/** What a 400 names: the field as the client wrote it, where it was, what is wrong. */
export interface FieldIssue {
  field: string;
  location: 'body';
  message: string;
}

export function invalidFields(fields: FieldIssue[]): AppError {
  const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
  return new AppError('VALIDATION_ERROR', `Invalid body: ${summary}`, { fields });
}

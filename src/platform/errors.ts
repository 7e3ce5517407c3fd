/**
 * The one registry of error codes: each code's kind and default message. Services and platform code
 * throw AppError with a code from here; what a failure means to a caller (an HTTP status, a sync's
 * failure class) is decided from its kind by that caller, in one place each
 * (src/platform/http/error-response.ts for the API).
 */

/** What went wrong, as a caller acts on it: retry, sign in, fix the input, give up. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'unprocessable'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const errorCodes = {
  VALIDATION_ERROR: { kind: 'invalid', message: 'Request validation failed' },
  INVALID_JSON: { kind: 'invalid', message: 'Request body is not valid JSON' },
  BAD_REQUEST: { kind: 'invalid', message: 'Bad request' },
  INVALID_URL: { kind: 'invalid', message: 'The URL is not valid: it holds a malformed percent-encoding' },
  UNAUTHORIZED: { kind: 'unauthenticated', message: 'Authentication required' },
  INVALID_CREDENTIALS: { kind: 'unauthenticated', message: 'Invalid email or password' },
  SESSION_EXPIRED: { kind: 'unauthenticated', message: 'Session expired after inactivity; log in again' },
  FORBIDDEN: { kind: 'forbidden', message: 'You do not have permission to do this' },
  REGISTRATION_DISABLED: { kind: 'forbidden', message: 'Registration is disabled on this server' },
  NOT_FOUND: { kind: 'not_found', message: 'Not found' },
  ORG_NOT_FOUND: { kind: 'not_found', message: 'Organisation not found' },
  USER_NOT_FOUND: { kind: 'not_found', message: 'User not found' },
  MEMBER_NOT_FOUND: { kind: 'not_found', message: 'Member not found' },
  TEAM_NOT_FOUND: { kind: 'not_found', message: 'Team not found' },
  API_KEY_NOT_FOUND: { kind: 'not_found', message: 'API key not found' },
  INVITATION_NOT_FOUND: { kind: 'not_found', message: 'Invitation not found, expired or already used' },
  INTEGRATION_NOT_FOUND: { kind: 'not_found', message: 'Integration not found' },
  CONNECTION_NOT_FOUND: { kind: 'not_found', message: 'Connection not found' },
  USER_CREDENTIAL_NOT_FOUND: {
    kind: 'not_found',
    message: 'You have no credential of your own for this connection; connect it with connect/oauth first',
  },
  RUN_NOT_FOUND: { kind: 'not_found', message: 'Run not found' },
  EVIDENCE_NOT_FOUND: { kind: 'not_found', message: 'Evidence not found' },
  WEBHOOK_NOT_FOUND: { kind: 'not_found', message: 'Webhook not found' },
  WEBHOOK_EVENT_NOT_FOUND: { kind: 'not_found', message: 'Webhook event not found' },
  WEBHOOK_INACTIVE: { kind: 'gone', message: 'The webhook is inactive' },
  WEBHOOK_SIGNATURE_INVALID: { kind: 'unauthenticated', message: 'Invalid signature' },
  WEBHOOK_PAYLOAD_INVALID: { kind: 'invalid', message: 'Invalid payload' },
  ACTION_NOT_FOUND: { kind: 'not_found', message: "The connection's connector has no such action" },
  WEBHOOK_ENDPOINT_NOT_FOUND: { kind: 'not_found', message: 'Webhook endpoint not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { kind: 'not_found', message: 'Webhook delivery not found' },
  WEBHOOK_ENDPOINT_DISABLED: {
    kind: 'conflict',
    message: 'The webhook endpoint is disabled; enable it before sending it a test',
  },
  EVENT_TYPE_NOT_FOUND: {
    kind: 'not_found',
    message: 'The organisation declared no event type of that name',
  },
  EVENT_TYPE_NOT_DECLARED: {
    kind: 'unprocessable',
    message: 'Only event types the organisation declared (POST /event-types) can be published',
  },
  IDEMPOTENCY_KEY_REUSED: {
    kind: 'unprocessable',
    message: 'This Idempotency-Key was used in the last 24 hours with a different request',
  },
  REQUEST_TIMEOUT: { kind: 'invalid', message: 'The request did not arrive in time' },
  EMAIL_TAKEN: { kind: 'conflict', message: 'An account with this email already exists' },
  SLUG_TAKEN: { kind: 'conflict', message: 'An organisation with this slug already exists' },
  NAME_TAKEN: { kind: 'conflict', message: 'That name is already used' },
  ALREADY_MEMBER: { kind: 'conflict', message: 'The user is already a member' },
  LAST_ADMIN: { kind: 'conflict', message: 'An organisation needs at least one tenant_admin' },
  API_KEY_INACTIVE: { kind: 'conflict', message: 'API key is revoked or expired; create a new one' },
  INTEGRATION_IN_USE: { kind: 'conflict', message: 'The integration has connections; delete them first' },
  INTEGRATION_BUILTIN: {
    kind: 'conflict',
    message: 'A built-in integration comes back at the next start; disable it or hide it instead',
  },
  CONNECTOR_UNAVAILABLE: {
    kind: 'conflict',
    message: 'The connector behind this integration is not in this build',
  },
  SYNC_IN_PROGRESS: {
    kind: 'conflict',
    message: 'A sync is in progress; wait for it to finish or cancel it',
  },
  RUN_ALREADY_FINISHED: {
    kind: 'conflict',
    message: 'The run has already completed, failed or been cancelled',
  },
  AUTH_TYPE_MISMATCH: { kind: 'unprocessable', message: 'This integration does not authenticate that way' },
  PAYLOAD_TOO_LARGE: { kind: 'too_large', message: 'Request body is too large' },
  URI_TOO_LONG: { kind: 'too_large', message: 'A segment of the URL is too long' },
  UNSUPPORTED_MEDIA_TYPE: { kind: 'invalid', message: 'Unsupported media type' },
  CONNECTION_DISABLED: { kind: 'unprocessable', message: 'The connection is disabled; enable it first' },
  CONNECTION_NOT_CONNECTED: {
    kind: 'unprocessable',
    message: 'The connection is not connected; test and enable it before syncing',
  },
  TEST_REQUIRED: {
    kind: 'unprocessable',
    message: 'The connection has never passed a test; run POST /integration-connections/:id/test first',
  },
  CONFIG_LOCKED: { kind: 'unprocessable', message: 'Cannot update the config while a sync is in progress' },
  CONNECTION_NOT_SYNCED: {
    kind: 'unprocessable',
    message: 'The connection has not synced yet: no preview data is available until a sync completes',
  },
  ACTION_REJECTED: { kind: 'unprocessable', message: 'The provider refused the action' },
  PREVIEW_UNSUPPORTED: { kind: 'unprocessable', message: "This integration's connector has no preview" },
  CREDENTIALS_UNREADABLE: {
    kind: 'unprocessable',
    message:
      'The stored credentials cannot be decrypted (altered, or sealed with a key no longer configured); send them again with PUT',
  },
  RATE_LIMIT_EXCEEDED: { kind: 'rate_limited', message: 'Rate limit exceeded. Please try again later.' },
  HEADERS_TOO_LARGE: { kind: 'too_large', message: 'The request line and headers are too large' },
  INTERNAL_ERROR: { kind: 'internal', message: 'Internal server error' },
  NOT_READY: { kind: 'unavailable', message: 'Service is not ready' },
  PROVIDER_UNAVAILABLE: {
    kind: 'unavailable',
    message:
      'The provider cannot take the request now (unreachable, rate limiting or failing); try again later',
  },
} as const satisfies Record<string, { kind: ErrorKind; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ErrorDetails,
    /** Extra top-level members of the error object (e.g. `retry_after` on 429). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message ?? errorCodes[code].message);
    this.name = 'AppError';
  }

  get kind(): ErrorKind {
    return errorCodes[this.code].kind;
  }
}

/** A field of what the caller gave (`config.base_url`, `slug`) and what is wrong with it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * Input that cannot be used, every failing field named: a request's body, or a stored config a
 * sync or health check cannot work with. Where it was is the caller's to say (the API: the body).
 */
export class InvalidFieldsError extends AppError {
  constructor(readonly fields: readonly FieldIssue[]) {
    super('VALIDATION_ERROR', fields.map((f) => `${f.field} ${f.message}`).join('; '));
    this.name = 'InvalidFieldsError';
  }
}

import { describe, expect, it } from 'vitest';
import { type ErrorCode, errorCodes } from '../../src/platform/errors.js';
import { statusOf } from '../../src/platform/http/error-response.js';

describe('the error registry as HTTP answers it', () => {
  // Pinned: a client branches on these; the registry moving or a kind changing must not move one.
  it('answers every code with its status', () => {
    const codes = Object.keys(errorCodes) as ErrorCode[];
    const statuses = Object.fromEntries(codes.map((code) => [code, statusOf(code)]));
    expect(statuses).toEqual({
      VALIDATION_ERROR: 400,
      INVALID_JSON: 400,
      BAD_REQUEST: 400,
      INVALID_URL: 400,
      UNAUTHORIZED: 401,
      INVALID_CREDENTIALS: 401,
      SESSION_EXPIRED: 401,
      FORBIDDEN: 403,
      REGISTRATION_DISABLED: 403,
      NOT_FOUND: 404,
      ORG_NOT_FOUND: 404,
      USER_NOT_FOUND: 404,
      MEMBER_NOT_FOUND: 404,
      TEAM_NOT_FOUND: 404,
      API_KEY_NOT_FOUND: 404,
      INVITATION_NOT_FOUND: 404,
      INTEGRATION_NOT_FOUND: 404,
      CONNECTION_NOT_FOUND: 404,
      USER_CREDENTIAL_NOT_FOUND: 404,
      RUN_NOT_FOUND: 404,
      EVIDENCE_NOT_FOUND: 404,
      ACTION_NOT_FOUND: 404,
      WEBHOOK_NOT_FOUND: 404,
      WEBHOOK_EVENT_NOT_FOUND: 404,
      WEBHOOK_INACTIVE: 410,
      WEBHOOK_SIGNATURE_INVALID: 401,
      WEBHOOK_PAYLOAD_INVALID: 400,
      ACTION_REJECTED: 422,
      PROVIDER_UNAVAILABLE: 503,
      REQUEST_TIMEOUT: 408,
      EMAIL_TAKEN: 409,
      SLUG_TAKEN: 409,
      NAME_TAKEN: 409,
      ALREADY_MEMBER: 409,
      LAST_ADMIN: 409,
      API_KEY_INACTIVE: 409,
      INTEGRATION_IN_USE: 409,
      INTEGRATION_BUILTIN: 409,
      CONNECTOR_UNAVAILABLE: 409,
      SYNC_IN_PROGRESS: 409,
      RUN_ALREADY_FINISHED: 409,
      AUTH_TYPE_MISMATCH: 422,
      PAYLOAD_TOO_LARGE: 413,
      URI_TOO_LONG: 414,
      UNSUPPORTED_MEDIA_TYPE: 415,
      CONNECTION_DISABLED: 422,
      CONNECTION_NOT_CONNECTED: 422,
      CONNECTION_NOT_SYNCED: 422,
      PREVIEW_UNSUPPORTED: 422,
      TEST_REQUIRED: 422,
      CONFIG_LOCKED: 422,
      CREDENTIALS_UNREADABLE: 422,
      RATE_LIMIT_EXCEEDED: 429,
      HEADERS_TOO_LARGE: 431,
      INTERNAL_ERROR: 500,
      NOT_READY: 503,
    });
  });
});

/**
 * What Slack's refusals mean. Slack answers a failed call with HTTP 200 and `{"ok": false, "error":
 * code}` (the SDK throws it as a WebAPIPlatformError); a `missing_scope` also says which scope was
 * `needed`. Rate limits are HTTP 429 with `Retry-After` seconds (waited out by the engine before
 * the SDK sees them), and Slack's own outages are 5xx.
 */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRequestError } from '@slack/web-api';
import { type FailureClass, ProviderError, type TestOutcome } from '../sdk.js';

/** The token is no good: wrong, revoked, expired, or its user deactivated. */
const AUTHENTICATION = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);
/** The token is good but may not do this: a scope it lacks, or a call its kind of token may not make. */
const PERMISSION = new Set([
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'access_denied',
  'ekm_access_denied',
]);
/** Slack could not answer now: trying again later may work. */
const TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** A call Slack refused: its error code, and the scope it needed for a missing_scope. */
export interface SlackRefusal {
  code: string;
  needed: string | undefined;
}

/** The refusal in an error the SDK threw for an `ok: false` answer; undefined for anything else. */
export function slackRefusal(error: unknown): SlackRefusal | undefined {
  if (!(error instanceof WebAPIPlatformError)) return undefined;
  const needed =
    'needed' in error.data && typeof error.data.needed === 'string' ? error.data.needed : undefined;
  return { code: error.data.error, needed };
}

function failureOf(code: string): FailureClass {
  if (AUTHENTICATION.has(code)) return 'authentication';
  if (TRANSIENT.has(code)) return 'transient';
  return 'permanent';
}

function reason({ code, needed }: SlackRefusal): string {
  if (AUTHENTICATION.has(code)) return `Slack refused the token (${code})`;
  if (code === 'missing_scope') return `the token lacks the ${needed ?? 'needed'} scope (missing_scope)`;
  if (PERMISSION.has(code)) return `the token may not do this (${code})`;
  return code;
}

/** "Slack's Web API doesn't use meaningful status codes besides 429 and 200": a 5xx is an outage. */
const httpFailure = (status: number): FailureClass =>
  status === 408 || status >= 500 ? 'transient' : 'permanent';

/**
 * What a failed operation throws to the engine: the abort reason once cancelled, the engine's own
 * failures (unreachable, a refused host, a rate limit over the wait budget) as they are, a
 * ProviderError for Slack's answers, anything else unchanged.
 */
export function slackFailure(error: unknown, what: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof WebAPIRequestError) return error.original;
  const refusal = slackRefusal(error);
  if (refusal) {
    return new ProviderError(failureOf(refusal.code), `${what} failed: ${reason(refusal)}`, {
      providerMessage: refusal.needed ? `${refusal.code}: ${refusal.needed}` : refusal.code,
    });
  }
  if (error instanceof WebAPIHTTPError) {
    return new ProviderError(httpFailure(error.statusCode), `${what} failed: HTTP ${error.statusCode}`, {
      httpStatus: error.statusCode,
    });
  }
  return error;
}

type Failed = Extract<TestOutcome, { ok: false }>;

/** A failed test or health check as its outcome; the engine's own failures are thrown for it to report. */
export function testFailure(error: unknown, what: string, signal: AbortSignal): Failed {
  const failure = slackFailure(error, what, signal);
  if (!(failure instanceof ProviderError)) throw failure;
  const { httpStatus, providerMessage } = failure.details;
  const base = {
    ok: false as const,
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(providerMessage === undefined ? {} : { providerMessage }),
  };
  const refusal = slackRefusal(error);
  if (refusal && AUTHENTICATION.has(refusal.code)) {
    return {
      ...base,
      errorType: 'auth_error',
      message: `Authentication failed: ${reason(refusal)}. Check the bot token, or connect with OAuth again.`,
    };
  }
  if (refusal && PERMISSION.has(refusal.code)) {
    const fix =
      refusal.code === 'missing_scope' ? ' Add it to the Slack app and reinstall it in the workspace.' : '';
    return { ...base, errorType: 'permission_error', message: `${what}: ${reason(refusal)}.${fix}` };
  }
  // Slack's rate limits are 429s, which the engine waits out; some methods also answer `ratelimited`.
  if (refusal?.code === 'ratelimited') {
    return { ...base, errorType: 'rate_limited', message: 'Rate limited by Slack: try again later.' };
  }
  return { ...base, errorType: 'provider_error', message: `${failure.message}.` };
}

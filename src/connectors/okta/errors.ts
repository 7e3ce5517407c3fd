/**
 * Okta's error answers (developer.okta.com/docs/reference/error-codes): a JSON body
 * `{errorCode, errorSummary, errorLink, errorId, errorCauses}`. Only the code and the summary are
 * read and repeated; nothing else a body holds is echoed.
 */
import { type FailureClass, ProviderError, type ProviderResponse, type TestOutcome } from '../sdk.js';
import { isRecord } from './okta-types.js';

export interface OktaErrorInfo {
  errorCode?: string;
  errorSummary?: string;
}

/** Invalid token provided: the API token is revoked, expired or wrong. */
export const INVALID_TOKEN = 'E0000011';
/** You do not have permission to perform the requested action. */
export const NO_PERMISSION = 'E0000006';
/** API call exceeded rate limit (the engine waits these out before a connector sees one). */
export const RATE_LIMITED = 'E0000047';

const CODE = /^E\d{7}$/;
const SUMMARY_MAX = 300;

function info(code: unknown, summary: unknown): OktaErrorInfo {
  if (typeof code !== 'string' || !CODE.test(code)) return {};
  return typeof summary === 'string'
    ? { errorCode: code, errorSummary: summary.slice(0, SUMMARY_MAX) }
    : { errorCode: code };
}

/**
 * The code and summary of an Okta error body; nothing when it is not one (a proxy's page). Reads
 * a body cut short too (the toolkit keeps the first 500 characters), field by field.
 */
export function oktaErrorInfo(body: string): OktaErrorInfo {
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? info(parsed.errorCode, parsed.errorSummary) : {};
  } catch {
    const code = /"errorCode"\s*:\s*"(E\d{7})"/.exec(body)?.[1];
    const summary = /"errorSummary"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(body)?.[1];
    let text: unknown;
    try {
      text = summary === undefined ? undefined : JSON.parse(summary);
    } catch {
      text = undefined;
    }
    return info(code, text);
  }
}

function failureOf(status: number, code: string | undefined): FailureClass {
  if (status === 401 || code === INVALID_TOKEN) return 'authentication';
  if (status === 429 || code === RATE_LIMITED || status === 408 || status >= 500) return 'transient';
  if (status === 400 || status === 422) return 'validation';
  // 403 (E0000006, a missing admin role), 404 and the rest: trying again will not help.
  return 'permanent';
}

export function oktaFailure(
  status: number,
  error: OktaErrorInfo,
  what: string,
  retryAfterMs?: number,
): ProviderError {
  const said = error.errorCode
    ? ` ${error.errorCode}${error.errorSummary ? `: ${error.errorSummary}` : ''}`
    : '';
  return new ProviderError(failureOf(status, error.errorCode), `${what} failed: HTTP ${status}${said}`, {
    httpStatus: status,
    ...(error.errorSummary !== undefined ? { providerMessage: error.errorSummary } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A non-2xx answer from Okta as a ProviderError. */
export async function oktaErrorFrom(response: ProviderResponse, what: string): Promise<ProviderError> {
  const body = await response.text().catch(() => '');
  return oktaFailure(response.status, oktaErrorInfo(body), what);
}

type Failed = Extract<TestOutcome, { ok: false }>;

/** What a test or health check reports for a ProviderError. */
export function failedOutcome(error: ProviderError, what: string): Failed {
  const status = error.details.httpStatus;
  const extra = {
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(error.details.providerMessage !== undefined
      ? { providerMessage: error.details.providerMessage }
      : {}),
  };
  if (error.failure === 'authentication') {
    return {
      ok: false,
      errorType: 'auth_error',
      message: 'Authentication failed: Invalid API token. Verify your Okta API token has admin read access.',
      ...extra,
    };
  }
  if (status === 403) {
    return {
      ok: false,
      errorType: 'permission_error',
      message: `Permission denied: the Okta API token cannot read ${what}. Create it as an administrator with at least the Read-Only Administrator role.`,
      ...extra,
    };
  }
  if (status === 429) {
    return {
      ok: false,
      errorType: 'rate_limited',
      message: 'Rate limited by Okta: try again later.',
      ...extra,
    };
  }
  return {
    ok: false,
    errorType: 'provider_error',
    message: `Okta returned an error reading ${what}${status !== undefined ? ` (HTTP ${status})` : ''}${
      error.details.providerMessage ? `: ${error.details.providerMessage}` : ''
    }.`,
    ...extra,
  };
}

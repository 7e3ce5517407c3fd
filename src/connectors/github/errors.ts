/**
 * What GitHub's refusals mean. GitHub says a rate limit with a 403 or 429 and either
 * `x-ratelimit-remaining: 0` (primary: wait for `x-ratelimit-reset`) or a message naming a
 * secondary rate limit (wait `retry-after`, else a minute); any other 403 is a permission the token
 * lacks ("Rate limits for the REST API": exceeding the rate limit).
 */
import { RequestError } from '@octokit/request-error';
import { type FailureClass, ProviderError, type TestOutcome } from '../sdk.js';
import { EngineFailure } from './client.js';

/** GitHub's advice when a secondary limit names no time. */
const SECONDARY_FALLBACK_MS = 60_000;

function header(error: RequestError, name: string): string | undefined {
  const value = error.response?.headers[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** GitHub's own `message`, if its body had one. */
export function githubMessage(error: RequestError): string | undefined {
  const data = error.response?.data;
  if (typeof data === 'object' && data !== null && 'message' in data && typeof data.message === 'string') {
    return data.message.slice(0, 300);
  }
  return typeof data === 'string' && data !== '' ? data.slice(0, 300) : undefined;
}

export function isSecondaryRateLimit(error: RequestError): boolean {
  return /\bsecondary rate limit\b/i.test(githubMessage(error) ?? '');
}

/** When a rate-limited answer allows the next try, in ms from `now`; undefined when it is no rate limit. */
export function rateLimitRetryMs(error: RequestError, now: number = Date.now()): number | undefined {
  if (error.status !== 403 && error.status !== 429) return undefined;
  const retryAfter = Number(header(error, 'retry-after'));
  if (header(error, 'retry-after') !== undefined && Number.isFinite(retryAfter)) return retryAfter * 1000;
  // A refusal that merely spent the last request of the window also reads `remaining: 0`: the
  // primary limit's own answer says "API rate limit exceeded".
  const reset = Number(header(error, 'x-ratelimit-reset'));
  const primary = error.status === 429 || /\brate limit\b/i.test(githubMessage(error) ?? '');
  if (header(error, 'x-ratelimit-remaining') === '0' && primary && Number.isFinite(reset)) {
    return Math.max(0, reset * 1000 - now);
  }
  if (isSecondaryRateLimit(error) || error.status === 429) return SECONDARY_FALLBACK_MS;
  return undefined;
}

/** A refusal GitHub gives for a feature the repository does not have on, with its message. */
export function refusal(error: unknown, statuses: number[]): { status: number; message: string } | undefined {
  if (!(error instanceof RequestError) || !statuses.includes(error.status)) return undefined;
  if (rateLimitRetryMs(error) !== undefined) return undefined;
  return { status: error.status, message: githubMessage(error) ?? '' };
}

function failureClass(status: number): FailureClass {
  if (status === 401) return 'authentication';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status === 400 || status === 422) return 'validation';
  return 'permanent';
}

/**
 * What a failed operation throws to the engine: the abort reason once cancelled, the engine's own
 * failures as they are, a ProviderError for GitHub's answers, anything else unchanged.
 */
export function syncFailure(error: unknown, what: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof EngineFailure) return error.failure;
  if (!(error instanceof RequestError)) return error;
  const message = githubMessage(error);
  const retryAfterMs = rateLimitRetryMs(error);
  const details = {
    httpStatus: error.status,
    ...(message ? { providerMessage: message } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  const failure = retryAfterMs === undefined ? failureClass(error.status) : 'transient';
  const reason =
    retryAfterMs !== undefined
      ? `rate limited, retry in ${Math.ceil(retryAfterMs / 1000)} s`
      : error.status === 403
        ? 'the token lacks a permission'
        : `HTTP ${error.status}`;
  return new ProviderError(failure, `${what} failed: ${reason}${message ? ` (${message})` : ''}`, details);
}

/** A failed test or health check as its outcome; engine failures are thrown for the engine to report. */
export function testFailure(error: unknown, what: string, signal: AbortSignal): TestOutcome {
  if (signal.aborted) throw signal.reason;
  if (error instanceof EngineFailure) throw error.failure;
  if (!(error instanceof RequestError)) throw error;
  const providerMessage = githubMessage(error);
  const base = {
    ok: false as const,
    httpStatus: error.status,
    ...(providerMessage ? { providerMessage } : {}),
  };
  const retryAfterMs = rateLimitRetryMs(error);
  if (retryAfterMs !== undefined) {
    return {
      ...base,
      errorType: 'rate_limited',
      message: `Rate limited by GitHub: retry in ${Math.ceil(retryAfterMs / 1000)} seconds.`,
    };
  }
  if (error.status === 401) {
    return {
      ...base,
      errorType: 'auth_error',
      message: `Authentication failed: GitHub refused the token (${providerMessage ?? 'HTTP 401'}).`,
    };
  }
  if (error.status === 403) {
    return {
      ...base,
      errorType: 'permission_error',
      message: `${what}: the token lacks a permission (${providerMessage ?? 'HTTP 403'}).`,
    };
  }
  if (error.status === 404) {
    return {
      ...base,
      errorType: 'provider_error',
      message: `${what}: not found, or not visible to this token (${providerMessage ?? 'HTTP 404'}).`,
    };
  }
  return {
    ...base,
    errorType: 'provider_error',
    message: `GitHub returned an error (HTTP ${error.status}): ${providerMessage ?? 'no message'}.`,
  };
}

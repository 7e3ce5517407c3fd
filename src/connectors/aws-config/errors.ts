/**
 * What AWS's refusals mean. The SDK throws a ServiceException named after the error code of the
 * answer (Config's JSON `__type`, STS's XML `Code`) with the HTTP status in `$metadata`. Anything
 * else it throws (the engine's own failures through `webFetch`: a refused host, an unreachable
 * endpoint, a cancel) is not AWS's answer and goes back to the engine as it is.
 */
import { ConfigServiceServiceException } from '@aws-sdk/client-config-service';
import { STSServiceException } from '@aws-sdk/client-sts';
import { type FailureClass, ProviderError, type ProviderErrorType, type TestOutcome } from '../sdk.js';

/** The credentials are unknown, wrong, expired or badly signed (Config's and STS's names for it). */
const AUTHENTICATION = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
]);

/** Rate limits: Config's `ThrottlingException` (HTTP 400), STS's `Throttling`, and their kin. */
const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** The request itself is wrong (a bad token, limit or name). */
const VALIDATION = new Set([
  'ValidationException',
  'ValidationError',
  'InvalidParameterValueException',
  'InvalidLimitException',
  'InvalidNextTokenException',
  'NoSuchConfigRuleException',
]);

export type AwsErrorKind = 'authentication' | 'permission' | 'throttling' | 'server' | 'validation' | 'other';

/** An error AWS answered, as read from the SDK's exception. */
export interface AwsRefusal {
  code: string;
  message: string;
  httpStatus: number | undefined;
  kind: AwsErrorKind;
}

/**
 * AWS's answer in an SDK error, or undefined for anything else. `AccessDenied` is STS's refusal to
 * let the keys assume the role: the credentials do not work as configured. Config's
 * `AccessDeniedException` is a permission the keys lack.
 */
export function awsRefusal(error: unknown): AwsRefusal | undefined {
  if (!(error instanceof ConfigServiceServiceException || error instanceof STSServiceException))
    return undefined;
  const code = error.name;
  const httpStatus = error.$metadata.httpStatusCode;
  const message = (error.message || code).slice(0, 300);
  const kind: AwsErrorKind =
    AUTHENTICATION.has(code) || code === 'AccessDenied'
      ? 'authentication'
      : code === 'AccessDeniedException' || code === 'NotAuthorized' || code === 'OptInRequired'
        ? 'permission'
        : THROTTLING.has(code) || httpStatus === 429
          ? 'throttling'
          : error.$fault === 'server' || (httpStatus !== undefined && httpStatus >= 500)
            ? 'server'
            : VALIDATION.has(code)
              ? 'validation'
              : 'other';
  return { code, message, httpStatus, kind };
}

const FAILURE: Record<AwsErrorKind, FailureClass> = {
  authentication: 'authentication',
  permission: 'permanent',
  throttling: 'transient',
  server: 'transient',
  validation: 'validation',
  other: 'permanent',
};

function reason(refusal: AwsRefusal): string {
  switch (refusal.kind) {
    case 'authentication':
      return 'AWS refused the credentials';
    case 'permission':
      return 'the credentials lack a permission';
    case 'throttling':
      return 'AWS is throttling the requests';
    default:
      return `HTTP ${refusal.httpStatus ?? 'error'}`;
  }
}

/** AWS's refusal of `what` as the engine's ProviderError. */
export function providerErrorOf(refusal: AwsRefusal, what: string, retryAfterMs?: number): ProviderError {
  return new ProviderError(
    FAILURE[refusal.kind],
    `${what} failed: ${reason(refusal)} (${refusal.code}: ${refusal.message})`,
    {
      ...(refusal.httpStatus === undefined ? {} : { httpStatus: refusal.httpStatus }),
      providerMessage: refusal.message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );
}

/**
 * What a failed operation throws to the engine: the abort reason once cancelled, a ProviderError
 * for AWS's answers (one already made is kept), anything else unchanged.
 */
export function operationFailure(error: unknown, what: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const refusal = awsRefusal(error);
  return refusal ? providerErrorOf(refusal, what) : error;
}

const ERROR_TYPES: Record<AwsErrorKind, ProviderErrorType> = {
  authentication: 'auth_error',
  permission: 'permission_error',
  throttling: 'rate_limited',
  server: 'provider_error',
  validation: 'provider_error',
  other: 'provider_error',
};

/** A failed test or health check as its outcome; what is not AWS's answer is thrown for the engine to report. */
export function testFailure(error: unknown, what: string, signal: AbortSignal): TestOutcome {
  if (signal.aborted) throw signal.reason;
  if (
    error instanceof ProviderError &&
    error.failure === 'transient' &&
    error.details.retryAfterMs !== undefined
  ) {
    return {
      ok: false,
      errorType: 'rate_limited',
      // It names the step already.
      message: error.message,
      ...(error.details.httpStatus === undefined ? {} : { httpStatus: error.details.httpStatus }),
      ...(error.details.providerMessage === undefined
        ? {}
        : { providerMessage: error.details.providerMessage }),
    };
  }
  const refusal = awsRefusal(error);
  if (!refusal) throw error;
  const message =
    refusal.kind === 'authentication'
      ? `Authentication failed: AWS refused the credentials (${refusal.code}). Verify the access key, its secret${refusal.code === 'AccessDenied' ? ', and that the role trusts them with this external ID' : ''}.`
      : refusal.kind === 'permission'
        ? `${what}: the credentials lack a permission (${refusal.code}).`
        : `${what}: AWS returned ${refusal.code}${refusal.httpStatus === undefined ? '' : ` (HTTP ${refusal.httpStatus})`}.`;
  return {
    ok: false,
    errorType: ERROR_TYPES[refusal.kind],
    message,
    ...(refusal.httpStatus === undefined ? {} : { httpStatus: refusal.httpStatus }),
    providerMessage: refusal.message,
  };
}

import { ProviderError } from '../../connectors/sdk.js';
import { AppError } from '../../platform/errors.js';
import { ProviderUnreachableError } from '../../platform/outbound/provider-fetch.js';
import { ProviderRateLimitedError } from '../../platform/outbound/rate-limit.js';

/**
 * What a failed action is to its caller: the provider refused it (422, with the provider's reason),
 * or could not take it now (503, with when to try again). Anything else is not the provider's
 * answer, and goes on as it is (a config the guard refuses is a 400; a connector bug a 500).
 */
export function actionFailure(error: unknown, action: string, timeoutMs: number): unknown {
  if (error instanceof ProviderRateLimitedError) {
    return new AppError('PROVIDER_UNAVAILABLE', error.message, { retry_after_ms: error.retryAfterMs });
  }
  if (error instanceof ProviderUnreachableError) {
    return new AppError('PROVIDER_UNAVAILABLE', `Could not reach the provider: ${error.message}`);
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new AppError('PROVIDER_UNAVAILABLE', `The provider did not answer within ${timeoutMs / 1000} s`);
  }
  if (!(error instanceof ProviderError)) return error;
  const details = {
    failure_class: error.failure,
    ...(error.details.httpStatus !== undefined ? { http_status: error.details.httpStatus } : {}),
    ...(error.details.providerMessage !== undefined
      ? { provider_message: error.details.providerMessage }
      : {}),
    ...(error.details.retryAfterMs !== undefined ? { retry_after_ms: error.details.retryAfterMs } : {}),
  };
  if (error.failure === 'transient') return new AppError('PROVIDER_UNAVAILABLE', error.message, details);
  return new AppError('ACTION_REJECTED', `${action}: ${error.message}`, details);
}

import type { Connector, ProviderErrorType, TestOutcome } from '../../connectors/sdk.js';
import { connectorContext } from '../../connectors/toolkit/context.js';
import { checkedTarget, targetField } from '../../connectors/toolkit/target.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import { type ProviderAuth, ProviderUnreachableError } from '../../platform/outbound/provider-fetch.js';
import { ProviderRateLimitedError } from '../../platform/outbound/rate-limit.js';
import { ForbiddenTargetError } from '../../platform/outbound/ssrf-guard.js';

/** How long a test may run; past it the connector's requests are aborted and the test fails. */
export const TEST_TIMEOUT_MS = 15_000;

export interface ConnectorTestResult {
  test_result: 'success' | 'failed';
  message: string;
  details: Record<string, unknown>;
}

type Config = Record<string, unknown>;

/** Settles only when the signal aborts: bounds a connector that ignores its signal. */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function failed(errorType: ProviderErrorType, message: string, extra: Record<string, unknown> = {}) {
  return { test_result: 'failed', message, details: { error_type: errorType, ...extra } } as const;
}

/** A connector that throws instead of returning an outcome: a network failure or its own bug. */
function fromThrown(error: unknown): ConnectorTestResult {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return failed('network_error', `The provider did not answer within ${TEST_TIMEOUT_MS / 1000} s`);
  }
  if (error instanceof ProviderUnreachableError) {
    return failed('network_error', `Could not reach the provider: ${error.message}`);
  }
  if (error instanceof ProviderRateLimitedError) {
    return failed('rate_limited', error.message, { retry_after_ms: error.retryAfterMs });
  }
  return failed(
    'provider_error',
    `The connector failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}

function fromOutcome(outcome: TestOutcome, elapsedMs: number): ConnectorTestResult {
  if (outcome.ok) {
    return {
      test_result: 'success',
      message: outcome.message,
      details: { ...outcome.details, provider_response_time_ms: elapsedMs },
    };
  }
  return failed(outcome.errorType, outcome.message, {
    ...(outcome.httpStatus !== undefined ? { http_status: outcome.httpStatus } : {}),
    ...(outcome.providerMessage !== undefined ? { provider_message: outcome.providerMessage } : {}),
  });
}

/**
 * Runs a connector's `test` (or another check with the same outcome, such as `healthCheck`) in its
 * context, with a timeout. A failed test is a result, not an error; only a config the test cannot
 * use (no base URL, or one the SSRF guard refuses) is a 400.
 */
export async function runConnectorTest(
  connector: Connector,
  config: Config,
  logger: Logger,
  options: { outbound: Outbound; auth?: ProviderAuth; check?: 'test' | 'healthCheck' },
): Promise<ConnectorTestResult> {
  await checkedTarget(connector.definition, config, options.outbound);
  const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
  const ctx = connectorContext(connector.definition, config, {
    logger,
    signal,
    outbound: options.outbound,
    ...(options.auth ? { oauth: options.auth } : {}),
  });
  const started = performance.now();
  try {
    const check =
      options.check === 'healthCheck' && connector.healthCheck
        ? connector.healthCheck.bind(connector)
        : connector.test.bind(connector);
    const outcome = await Promise.race([check(ctx), aborted(signal)]);
    return fromOutcome(outcome, Math.round(performance.now() - started));
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The host resolved elsewhere since it was checked: refused all the same, as the config's fault.
    if (error instanceof ForbiddenTargetError) {
      throw new InvalidFieldsError([
        { field: targetField(connector.definition, config), message: error.message },
      ]);
    }
    logger.warn({ err: error }, 'connector test threw');
    return fromThrown(error);
  }
}

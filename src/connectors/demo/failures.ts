/** Failures the demo provider produces on request, so retries, health and alerts can be exercised. */
import { DEMO_DEFAULTS, type DemoConfig } from './definition.js';
import { hashKey, mix32 } from './random.js';

export interface DemoFailure {
  errorType: 'rate_limited' | 'provider_error';
  httpStatus: number;
  /** What a real provider would put in its error body. */
  providerMessage: string;
}

/**
 * Whether the `sequence`-th call of `operation` fails under the config's `failure_rate`. The failing
 * calls are spread evenly (exactly ⌊n·rate⌋ or ⌈n·rate⌉ of any n consecutive calls), starting at a
 * point and alternating between kinds fixed by the seed: the same config and sequence always give the
 * same outcome, so a retry policy can be tested against a known pattern.
 */
export function demoFailure(
  config: Pick<DemoConfig, 'seed' | 'failure_rate'>,
  operation: string,
  sequence: number,
): DemoFailure | null {
  const rate = config.failure_rate ?? DEMO_DEFAULTS.failure_rate;
  if (rate <= 0) return null;
  const key = hashKey(`${config.seed ?? DEMO_DEFAULTS.seed}:${operation}`);
  const phase = key / 4294967296;
  if (Math.floor((sequence + 1) * rate + phase) === Math.floor(sequence * rate + phase)) return null;
  return mix32((key ^ sequence) >>> 0) % 2 === 0
    ? {
        errorType: 'rate_limited',
        httpStatus: 429,
        providerMessage: 'Rate limit exceeded, retry after 30 seconds',
      }
    : { errorType: 'provider_error', httpStatus: 503, providerMessage: 'Service temporarily unavailable' };
}

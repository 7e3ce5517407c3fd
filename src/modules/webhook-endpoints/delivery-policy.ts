import type { WebhookDeliverySettings } from '../../config.js';
import { RETRY_POLICY_BOUNDS } from './model.js';
import type { EndpointRow } from './storage/endpoints.js';

/**
 * How a message is delivered and retried: the server's defaults (WEBHOOK_MAX_RETRIES,
 * WEBHOOK_RETRY_DELAY, WEBHOOK_BACKOFF_FACTOR, WEBHOOK_TIMEOUT), an endpoint's `retry_policy`
 * overriding each within RETRY_POLICY_BOUNDS (model.ts, which the endpoint API validates against).
 */
export interface DeliveryPolicy {
  maxRetries: number;
  retryDelayMs: number;
  backoffFactor: number;
  timeoutMs: number;
}

/** No retry waits longer than a day, however the delay and factor multiply. */
const MAX_RETRY_DELAY_MS = 86_400_000;
/** The longest `Retry-After` honoured: a receiver asking for more is retried after an hour. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

const within = (value: number | undefined, fallback: number, bounds: { minimum: number; maximum: number }) =>
  value === undefined ? fallback : Math.min(bounds.maximum, Math.max(bounds.minimum, value));

export function policyOf(endpoint: Pick<EndpointRow, 'retry_policy'>, defaults: WebhookDeliverySettings) {
  const own = endpoint.retry_policy ?? {};
  return {
    maxRetries: within(own.max_retries, defaults.maxRetries, RETRY_POLICY_BOUNDS.max_retries),
    retryDelayMs: within(own.retry_delay_ms, defaults.retryDelayMs, RETRY_POLICY_BOUNDS.retry_delay_ms),
    backoffFactor: within(own.backoff_factor, defaults.backoffFactor, RETRY_POLICY_BOUNDS.backoff_factor),
    timeoutMs: within(own.timeout_ms, defaults.timeoutMs, RETRY_POLICY_BOUNDS.timeout_ms),
  } satisfies DeliveryPolicy;
}

/**
 * The wait after failed attempt `attempt` (1 = the first): the delay times the factor per earlier
 * retry, with jitter between half and all of it, so endpoints recovering together are not hit at
 * once; at least what the receiver asked for with `Retry-After` (capped).
 */
export function retryDelayMs(
  policy: DeliveryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const backoff = Math.min(MAX_RETRY_DELAY_MS, policy.retryDelayMs * policy.backoffFactor ** (attempt - 1));
  const jittered = Math.round(backoff / 2 + random() * (backoff / 2));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Answers after which the receiver's `Retry-After` is honoured. */
export const HONOURS_RETRY_AFTER = new Set([429, 503]);

/**
 * Each endpoint's deliveries a second (`rate_limit_per_second`), counted in fixed one-second
 * windows in this process: a delivery over the rate waits for the next window, unattempted.
 */
export class EndpointRate {
  readonly #windows = new Map<string, { start: number; count: number }>();

  /** Counts a delivery; undefined when within the rate, else milliseconds until the window ends. */
  take(endpointId: string, perSecond: number | null, nowMs: number): number | undefined {
    if (perSecond === null) return undefined;
    const start = nowMs - (nowMs % 1000);
    const window = this.#windows.get(endpointId);
    const current = window && window.start === start ? window : { start, count: 0 };
    if (current.count >= perSecond) return start + 1000 - nowMs;
    current.count += 1;
    this.#windows.set(endpointId, current);
    // Windows of quiet endpoints are forgotten, so the map does not grow.
    if (this.#windows.size > 10_000)
      for (const [id, w] of this.#windows) if (w.start < start) this.#windows.delete(id);
    return undefined;
  }
}

import { setTimeout as delay } from 'node:timers/promises';

type Headers = { get(name: string): string | null };

/** What a provider's answer says of its rate limit. */
export interface RateLimitNotice {
  /** Requests left in the current window (`X-RateLimit-Remaining`, Okta's `X-Rate-Limit-Remaining`, `RateLimit-Remaining`). */
  remaining?: number;
  /** When the window resets, epoch ms (`…-Reset`: epoch seconds, or seconds from now when small). */
  resetAt?: number;
  /** `Retry-After` in ms from now (seconds or an HTTP date). */
  retryAfterMs?: number;
}

const REMAINING = ['x-ratelimit-remaining', 'x-rate-limit-remaining', 'ratelimit-remaining'];
const RESET = ['x-ratelimit-reset', 'x-rate-limit-reset', 'ratelimit-reset'];
// A reset below this many seconds is a delay (IETF RateLimit-Reset); above, an epoch time.
const EPOCH_SECONDS = 1_000_000_000;

function firstNumber(headers: Headers, names: string[]): number | undefined {
  for (const name of names) {
    const value = headers.get(name);
    if (value === null || value.trim() === '') continue;
    const number = Number(value.split(',')[0]);
    if (Number.isFinite(number)) return number;
  }
  return undefined;
}

/** A `Retry-After` header (seconds or an HTTP date) in ms from `now`; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function rateLimitNotice(headers: Headers, now: number): RateLimitNotice {
  const reset = firstNumber(headers, RESET);
  return {
    remaining: firstNumber(headers, REMAINING),
    resetAt: reset === undefined ? undefined : reset >= EPOCH_SECONDS ? reset * 1000 : now + reset * 1000,
    retryAfterMs: retryAfterMs(headers.get('retry-after'), now),
  };
}

/**
 * Whether an answer is a rate limit rather than a refusal: a 429, or a 403 that says so with a
 * `Retry-After` or an exhausted budget (GitHub's primary and secondary limits).
 */
export function isRateLimited(status: number, notice: RateLimitNotice): boolean {
  return status === 429 || (status === 403 && (notice.retryAfterMs !== undefined || notice.remaining === 0));
}

/** A rate limit answer gave no time: wait this long before trying again. */
const UNSAID_WAIT_MS = 1_000;

/** How long a rate-limit answer asks to wait, in ms from `now`. */
export function rateLimitWaitMs(notice: RateLimitNotice, now: number): number {
  if (notice.retryAfterMs !== undefined) return notice.retryAfterMs;
  if (notice.resetAt !== undefined) return Math.max(0, notice.resetAt - now);
  return UNSAID_WAIT_MS;
}

/** The provider asked for a wait longer than the budget: try again after `retryAfterMs`. */
export class ProviderRateLimitedError extends Error {
  override readonly name = 'ProviderRateLimitedError';

  constructor(
    readonly origin: string,
    readonly retryAfterMs: number,
    readonly httpStatus: number | undefined,
  ) {
    super(
      `${origin} is rate limiting this connection: ${httpStatus === undefined ? 'its budget is spent' : `HTTP ${httpStatus}`}, retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
  }
}

export interface Pacing {
  /** The longest one wait for a rate limit may take inside an operation; longer ones are thrown. */
  maxWaitMs: number;
  now(): number;
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export const realPacing = (maxWaitMs: number): Pacing => ({
  maxWaitMs,
  now: Date.now,
  wait: (ms, signal) => delay(ms, undefined, { signal }),
});

/**
 * One operation's view of a provider's rate limit: when an answer announces that no request is
 * left in the window, the next request waits for the reset instead of being refused with a 429.
 */
export class RateLimitPacer {
  #blockedUntil = 0;

  constructor(
    private readonly pacing: Pacing,
    private readonly origin: string,
  ) {}

  mayWait(ms: number): boolean {
    return ms <= this.pacing.maxWaitMs;
  }

  /** Before a request: waits out an exhausted budget, or throws when that is over the budget. */
  async before(signal: AbortSignal): Promise<void> {
    const ms = this.#blockedUntil - this.pacing.now();
    if (ms <= 0) return;
    await this.waitOrThrow(ms, signal, undefined);
  }

  /** After an answer: notes what it announced; the notice, for the caller to read a rate limit from. */
  after(headers: Headers): RateLimitNotice {
    const now = this.pacing.now();
    const notice = rateLimitNotice(headers, now);
    if (notice.remaining === 0 && notice.resetAt !== undefined && notice.resetAt > now) {
      this.#blockedUntil = notice.resetAt;
    }
    return notice;
  }

  async waitOrThrow(ms: number, signal: AbortSignal, httpStatus: number | undefined): Promise<void> {
    if (!this.mayWait(ms)) throw new ProviderRateLimitedError(this.origin, ms, httpStatus);
    await this.pacing.wait(ms, signal);
  }
}

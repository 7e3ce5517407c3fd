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

/** Budget a provider announced for one of its limits: what is left, and when its window resets. */
interface Budget {
  left: number;
  resetAt: number;
}

// Path segments that name an API's root or version rather than what is being asked for.
const ROOT_SEGMENT = /^(api|rest|v\d+(\.\d+)?)$/i;

/**
 * The family of endpoints a request belongs to, as providers count limits: the first segment of its
 * path after the API's root and version (`/api/v1/users/…` → `users`; GitHub's `/repos/…` → `repos`).
 */
function familyOf(url: URL): string {
  const segments = url.pathname.split('/').filter(Boolean);
  return segments.find((segment) => !ROOT_SEGMENT.test(segment)) ?? '';
}

/**
 * One operation's view of a provider's rate limits. Providers count some endpoints apart (Okta: per
 * family of endpoints; GitHub: per resource, which `X-RateLimit-Resource` names), so each limit's
 * budget is kept apart: per resource where answers name it, else per family. Once an answer announces
 * how many requests are left, each request sent counts one off; when none is left, the next request
 * of that limit waits for its reset instead of being refused with a 429. Counting locally keeps
 * concurrent requests inside the budget too: answers arrive after other requests have already gone.
 */
export class RateLimitPacer {
  readonly #budgets = new Map<string, Budget>();
  /** The limit each family's answers named (GitHub's resources); a family is its own limit until then. */
  readonly #limitOf = new Map<string, string>();

  constructor(
    private readonly pacing: Pacing,
    private readonly origin: string,
  ) {}

  mayWait(ms: number): boolean {
    return ms <= this.pacing.maxWaitMs;
  }

  #limit(url: URL): string {
    const family = familyOf(url);
    return this.#limitOf.get(family) ?? family;
  }

  /** Before a request to `url`: takes one from its limit's budget, waiting out an exhausted one (or throwing when that is too long). */
  async before(url: URL, signal: AbortSignal): Promise<void> {
    const limit = this.#limit(url);
    for (;;) {
      const budget = this.#budgets.get(limit);
      const now = this.pacing.now();
      // Unannounced, or a window that has reset: a budget no answer announced yet.
      if (!budget || budget.resetAt <= now) return;
      if (budget.left > 0) {
        budget.left -= 1;
        return;
      }
      await this.waitOrThrow(budget.resetAt - now, signal, undefined);
    }
  }

  /** After an answer from `url`: notes what it announced; the notice, for the caller to read a rate limit from. */
  after(url: URL, headers: Headers): RateLimitNotice {
    const now = this.pacing.now();
    const notice = rateLimitNotice(headers, now);
    const resource = headers.get('x-ratelimit-resource');
    if (resource) this.#limitOf.set(familyOf(url), resource);
    const { remaining, resetAt } = notice;
    if (remaining === undefined || resetAt === undefined || resetAt <= now) return notice;
    const limit = this.#limit(url);
    const budget = this.#budgets.get(limit);
    // A later reset is a new window; within one, the lower count is the one that holds.
    if (budget && resetAt <= budget.resetAt) budget.left = Math.min(budget.left, remaining);
    else this.#budgets.set(limit, { left: remaining, resetAt });
    return notice;
  }

  async waitOrThrow(ms: number, signal: AbortSignal, httpStatus: number | undefined): Promise<void> {
    if (!this.mayWait(ms)) throw new ProviderRateLimitedError(this.origin, ms, httpStatus);
    await this.pacing.wait(ms, signal);
  }
}

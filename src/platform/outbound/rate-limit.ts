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
  /** Resolves at `at` (epoch ms): a deadline, so that requests waiting for the same reset end together. */
  waitUntil(at: number, signal: AbortSignal): Promise<void>;
}

export const realPacing = (maxWaitMs: number): Pacing => ({
  maxWaitMs,
  now: Date.now,
  waitUntil: (at, signal) => delay(Math.max(0, at - Date.now()), undefined, { signal }),
});

/** Budget a provider announced for one of its limits: what is left, and when its window resets. */
interface Budget {
  left: number;
  resetAt: number;
}

/** A limit whose answers announce no budget: nothing to pace. */
const UNANNOUNCED: Budget = { left: Number.POSITIVE_INFINITY, resetAt: Number.POSITIVE_INFINITY };

// Path segments that name an API's root or version rather than what is being asked for.
const ROOT_SEGMENT = /^(api|rest|v\d+(\.\d+)?)$/i;

/**
 * The family of endpoints a request belongs to, as providers count limits apart, unless the
 * provider's API says otherwise: the first segment of its path after the API's root and version, and
 * whether it goes below it (`/api/v1/users` → `users`, `/api/v1/users/{id}/factors` → `users/*`).
 */
function defaultFamily(pathname: string): string {
  const segments = pathname.split('/').filter(Boolean);
  const first = segments.findIndex((segment) => !ROOT_SEGMENT.test(segment));
  if (first < 0) return '';
  return first < segments.length - 1 ? `${segments[first]}/*` : segments[first]!;
}

/** What this operation knows of one of the provider's limits. */
interface Limit {
  /** The announced budget; undefined until an answer of the current window says. */
  budget?: Budget;
  /** Requests of this limit sent and not yet answered. */
  inFlight: number;
  /** Told when no request of this limit is in flight. */
  drained: (() => void)[];
}

/**
 * One operation's view of a provider's rate limits. Providers count some endpoints apart (Okta: per
 * family of endpoints; GitHub: per resource, which `X-RateLimit-Resource` names), so each limit is
 * kept apart: per resource where answers name it, else per family. Once an answer announces how many
 * requests are left, each request sent counts one off; when none is left, the next request of that
 * limit waits, once the limit's requests in flight are answered, for its reset instead of being
 * refused with a 429. While a limit's budget is unknown (before its first answer, or once its window
 * is over), requests wait until none is in flight and then one goes to find out: concurrent requests
 * would otherwise run past a budget nobody has read yet.
 */
export class RateLimitPacer {
  readonly #limits = new Map<string, Limit>();
  /** The limit each family's answers named (GitHub's resources); a family is its own limit until then. */
  readonly #limitOf = new Map<string, string>();

  constructor(
    private readonly pacing: Pacing,
    private readonly origin: string,
    /** The family of endpoints a path's requests count against (see defaultFamily). */
    private readonly familyOf: (pathname: string) => string = defaultFamily,
  ) {}

  mayWait(ms: number): boolean {
    return ms <= this.pacing.maxWaitMs;
  }

  /** A path's family on its host: an SDK calling several hosts (AWS regions) meets limits on each. */
  #familyOf(url: URL): string {
    return `${url.host} ${this.familyOf(url.pathname)}`;
  }

  #limit(url: URL): Limit {
    const family = this.#familyOf(url);
    const name = this.#limitOf.get(family) ?? family;
    let limit = this.#limits.get(name);
    if (!limit) {
      limit = { inFlight: 0, drained: [] };
      this.#limits.set(name, limit);
    }
    return limit;
  }

  /**
   * Before a request to `url`: takes one from its limit's budget, waiting out an exhausted one (or
   * throwing when that is too long). The caller calls `after` or `failed` once the request is over.
   */
  async before(url: URL, signal: AbortSignal): Promise<void> {
    for (;;) {
      const limit = this.#limit(url);
      const { budget } = limit;
      const now = this.pacing.now();
      if (budget && budget.resetAt > now) {
        if (budget.left > 0) {
          budget.left -= 1;
          limit.inFlight += 1;
          return;
        }
        // Spent: the answers still to come may say more (a later window); then wait for the reset.
        if (limit.inFlight > 0) await this.#drained(limit, signal);
        else await this.#waitUntil(budget.resetAt, signal);
        continue;
      }
      if (limit.inFlight === 0) {
        limit.budget = undefined;
        limit.inFlight = 1;
        return;
      }
      await this.#drained(limit, signal);
    }
  }

  /** After an answer from `url`: notes what it announced; the notice, for the caller to read a rate limit from. */
  after(url: URL, headers: Headers): RateLimitNotice {
    const now = this.pacing.now();
    const notice = rateLimitNotice(headers, now);
    // Counted in flight under the limit it went out under; noted under the one its answer names.
    this.#answered(this.#limit(url));
    const resource = headers.get('x-ratelimit-resource');
    if (resource) this.#limitOf.set(this.#familyOf(url), `${url.host} ${resource}`);
    const limit = this.#limit(url);
    const current = limit.budget && limit.budget.resetAt > now ? limit.budget : undefined;
    const { remaining } = notice;
    if (remaining === undefined) {
      if (!current) limit.budget = UNANNOUNCED;
      return notice;
    }
    const resetAt = notice.resetAt ?? now + UNSAID_WAIT_MS;
    if (!current || current === UNANNOUNCED) {
      // A reset already past by this host's clock (skew, whole seconds) is taken as imminent.
      limit.budget = { left: remaining, resetAt: Math.max(resetAt, now + UNSAID_WAIT_MS) };
    } else if (resetAt > current.resetAt) {
      // A later reset: a new window.
      limit.budget = { left: remaining, resetAt };
    } else if (resetAt === current.resetAt || notice.resetAt === undefined) {
      // The same window: the lower count is the one that holds.
      current.left = Math.min(current.left, remaining);
    }
    // An earlier reset: an answer from a window already over, which says nothing of this one.
    return notice;
  }

  /**
   * An answer from `url` was a rate limit asking to wait `ms`: the limit's next request, this one's
   * retry included, waits that long (or throws when that is too long).
   */
  hold(url: URL, ms: number, httpStatus: number): void {
    if (!this.mayWait(ms)) throw new ProviderRateLimitedError(this.origin, ms, httpStatus);
    const limit = this.#limit(url);
    const until = this.pacing.now() + ms;
    const { budget } = limit;
    if (budget && budget !== UNANNOUNCED && budget.left === 0)
      budget.resetAt = Math.max(budget.resetAt, until);
    else limit.budget = { left: 0, resetAt: until };
  }

  /** A request to `url` ended without an answer. */
  failed(url: URL): void {
    this.#answered(this.#limit(url));
  }

  #drained(limit: Limit, signal: AbortSignal): Promise<void> {
    return abortable(new Promise<void>((resolve) => limit.drained.push(resolve)), signal);
  }

  #answered(limit: Limit): void {
    limit.inFlight = Math.max(0, limit.inFlight - 1);
    if (limit.inFlight > 0) return;
    for (const resume of limit.drained.splice(0)) resume();
  }

  async #waitUntil(at: number, signal: AbortSignal): Promise<void> {
    const ms = at - this.pacing.now();
    if (!this.mayWait(ms)) throw new ProviderRateLimitedError(this.origin, ms, undefined);
    await this.pacing.waitUntil(at, signal);
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

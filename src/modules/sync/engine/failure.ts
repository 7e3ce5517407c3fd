import { type FailureClass, ProviderError } from '../../../connectors/sdk.js';
import { InvalidFieldsError } from '../../../platform/errors.js';
import { ProviderUnreachableError } from '../../../platform/outbound/provider-fetch.js';
import { ProviderRateLimitedError } from '../../../platform/outbound/rate-limit.js';
import { ForbiddenTargetError } from '../../../platform/outbound/ssrf-guard.js';
import { StorageError } from '../storage/batch-sink.js';

/** A run's failure as the engine handles it: its class decides whether another attempt follows. */
export interface RunFailure {
  failure: FailureClass;
  message: string;
  /** The provider's Retry-After, when it sent one. */
  retryAfterMs?: number;
  httpStatus?: number;
}

/**
 * Database errors that pass: SQLite busy, locked, out of disk, I/O or memory; PostgreSQL's lost
 * connections (class 08), serialization failures and deadlocks (40001, 40P01), insufficient
 * resources (53), shutdowns (57P0x); sockets refused, reset or timed out.
 */
const PASSING_STORAGE = /^(SQLITE_(BUSY|LOCKED|FULL|IOERR|NOMEM)|08|40001$|40P01$|53|57P0|ECONN|ETIMEDOUT$)/;

/** The longest a retry waits, whatever the attempt number. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/**
 * Classifies what a sync threw. ProviderError carries its class; a request that could not reach the
 * provider or timed out, or a rate limit longer than the wait budget, is transient (the latter
 * retried when the provider said); a host the SSRF guard refuses needs the config corrected; storing that failed is transient when its database error
 * passes; a config the engine cannot use (no base URL) needs correcting: validation; anything else
 * is the connector's own bug: permanent.
 */
export function classify(error: unknown): RunFailure {
  if (error instanceof StorageError) {
    return {
      failure: error.code !== null && PASSING_STORAGE.test(error.code) ? 'transient' : 'permanent',
      message: `Storing the synced records failed: ${error.message}`,
    };
  }
  if (error instanceof ProviderError) {
    return {
      failure: error.failure,
      message: error.message,
      retryAfterMs: error.details.retryAfterMs,
      httpStatus: error.details.httpStatus,
    };
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { failure: 'transient', message: `The provider did not answer in time: ${error.message}` };
  }
  if (error instanceof InvalidFieldsError) {
    return { failure: 'validation', message: `The connection's config cannot be used: ${error.message}` };
  }
  if (error instanceof ProviderUnreachableError) {
    return { failure: 'transient', message: `Could not reach the provider: ${error.message}` };
  }
  if (error instanceof ProviderRateLimitedError) {
    return {
      failure: 'transient',
      message: error.message,
      retryAfterMs: error.retryAfterMs,
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
    };
  }
  if (error instanceof ForbiddenTargetError) {
    return { failure: 'validation', message: `The connection's provider host is refused: ${error.message}` };
  }
  return {
    failure: 'permanent',
    message: `The connector failed: ${error instanceof Error ? error.message : String(error)}`,
  };
}

/**
 * The wait before retry number `retry` (1 for the first): exponential from `baseMs` with full
 * jitter over its upper half, so retries of many runs spread out; never less than the provider's
 * Retry-After, never more than an hour (unless the provider asks for longer).
 */
export function retryDelayMs(
  retry: number,
  baseMs: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, retry - 1));
  const backoff = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(backoff, retryAfterMs ?? 0);
}

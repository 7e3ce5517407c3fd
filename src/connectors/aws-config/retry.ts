/**
 * Retries of one AWS call, in place of the SDK's own (its clients are built with `maxAttempts: 1`,
 * so the two never stack): throttling (`ThrottlingException`, an HTTP 400 with no `Retry-After`)
 * and server errors are retried after the SDK's standard backoff when the wait fits the engine's
 * budget (`ctx.mayWait`); otherwise the attempt ends as a transient failure saying when to retry.
 * Waits go through `wait`, so tests record them and a cancel stops them at once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ConnectorContext } from '../sdk.js';
import { awsRefusal, providerErrorOf } from './errors.js';

/** Sleeps `ms`, rejecting with the signal's reason when it aborts first. */
export type Wait = (ms: number, signal: AbortSignal) => Promise<void>;

export const realWait: Wait = async (ms, signal) => {
  await delay(ms, undefined, { signal });
};

// The AWS SDK's standard retry strategy's delays: a base of 500 ms after throttling and 100 ms after
// other transient errors, doubled each attempt, at most 20 s, with jitter.
const THROTTLING_BASE_MS = 500;
const TRANSIENT_BASE_MS = 100;
const MAX_DELAY_MS = 20_000;
export const THROTTLING_RETRIES = 5;
export const SERVER_ERROR_RETRIES = 2;

/** The wait before retry `attempt` (0 for the first): half of it fixed, half random, so clients spread out. */
export function backoffMs(base: number, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, base * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Runs `send` (a fresh SDK command each time), retrying what AWS says may be retried. */
export async function retried<T>(
  ctx: ConnectorContext<unknown>,
  wait: Wait,
  what: string,
  send: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const refusal = awsRefusal(error);
      if (refusal?.kind !== 'throttling' && refusal?.kind !== 'server') throw error;
      const throttled = refusal.kind === 'throttling';
      const ms = backoffMs(throttled ? THROTTLING_BASE_MS : TRANSIENT_BASE_MS, attempt);
      const retries = throttled ? THROTTLING_RETRIES : SERVER_ERROR_RETRIES;
      if (attempt >= retries || !ctx.mayWait(ms)) {
        throw providerErrorOf(refusal, what, throttled ? ms : undefined);
      }
      ctx.logger.info(
        { aws_error: refusal.code, attempt: attempt + 1, wait_ms: ms },
        `${what}: ${refusal.code}, retrying`,
      );
      await wait(ms, ctx.signal);
    }
  }
}

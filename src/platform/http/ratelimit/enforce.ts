import type {
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { Count, Counter } from './counter.js';

export interface LimitCheck {
  name: string;
  count: Counter;
  /** Counted only when the request fails (limits.ts `failuresOnly`). */
  failuresOnly: boolean;
}

/** The hooks that enforce a route's limits. */
export interface LimitHooks {
  preHandler: preHandlerAsyncHookHandler;
  /** Counts the failures-only limits of a request that failed; absent when the route has none. */
  onSend?: onSendAsyncHookHandler;
}

/** The headers describe the limit with the fewest requests left, the one a client will hit. */
function setHeaders(reply: FastifyReply, counts: Iterable<Count>, clock: Clock): void {
  let tightest: Count | undefined;
  for (const count of counts) if (!tightest || count.remaining < tightest.remaining) tightest = count;
  if (!tightest) return;
  reply.header('x-ratelimit-limit', tightest.max);
  reply.header('x-ratelimit-remaining', tightest.remaining);
  // Epoch seconds when the window resets, as integration-provider-api.md shows it.
  reply.header('x-ratelimit-reset', Math.ceil((clock.now().getTime() + tightest.ttl) / 1000));
}

/**
 * Counts the request against each of a route's limits in turn and answers 429 at the first one
 * exceeded. A failures-only limit is read, not counted, here (refused once no failure is left), and
 * counted at onSend when the answer is a 4xx: a successful request never counts against it. Reading
 * first lets requests in flight together pass before their failures are counted; the other limits
 * of the route (login's per-address one) bound how many those can be.
 */
export function enforceLimits(
  checks: readonly LimitCheck[],
  clock: Clock,
  failOpen: (error: unknown, limit: string) => void,
): LimitHooks {
  const countAfter = checks.filter((check) => check.failuresOnly);
  // Where a request that passed stands, per limit, until its failures are counted.
  const standing = new WeakMap<FastifyRequest, Map<string, Count>>();

  const preHandler: preHandlerAsyncHookHandler = async (request, reply) => {
    const counts = new Map<string, Count>();
    for (const { name, count, failuresOnly } of checks) {
      let counted: Count | undefined;
      try {
        counted = await count(request, { increment: !failuresOnly });
      } catch (error) {
        failOpen(error, name);
        continue;
      }
      if (!counted) continue;
      if (failuresOnly ? counted.remaining === 0 : counted.exceeded) {
        const retryAfter = Math.max(1, Math.ceil(counted.ttl / 1000));
        setHeaders(reply, [counted], clock);
        reply.header('retry-after', retryAfter);
        throw new AppError('RATE_LIMIT_EXCEEDED', undefined, undefined, { retry_after: retryAfter });
      }
      counts.set(name, counted);
    }
    setHeaders(reply, counts.values(), clock);
    if (countAfter.length > 0) standing.set(request, counts);
  };
  if (countAfter.length === 0) return { preHandler };

  const onSend: onSendAsyncHookHandler = async (request, reply, payload) => {
    const counts = standing.get(request);
    // Refused before the handler (nothing to add), succeeded, or failed on the server's side.
    if (!counts || reply.statusCode < 400 || reply.statusCode >= 500) return payload;
    for (const { name, count } of countAfter) {
      try {
        const counted = await count(request);
        if (counted) counts.set(name, counted);
      } catch (error) {
        failOpen(error, name);
      }
    }
    setHeaders(reply, counts.values(), clock);
    return payload;
  };
  return { preHandler, onSend };
}

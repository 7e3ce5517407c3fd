import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { type Counter, createCounter } from './counter.js';
import { enforceLimits } from './enforce.js';
import { failOpenReporter } from './fail-open.js';
import { type LimitName, rateLimits } from './limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The named rate limit(s) a route counts against (limits.ts), e.g. `'connection'`. */
    limit?: LimitName | readonly LimitName[];
  }
}

/**
 * The one rate-limiting mechanism: every route registered after this in the scope that declares
 * `config.limit` is counted, per caller and per limit, at preHandler (after the guard has set
 * `request.principal`). Counters live in Redis when the context has it, else in memory. Nothing is
 * limited when rate limits are turned off.
 */
export async function registerRateLimiting(app: FastifyInstance, ctx: AppContext): Promise<void> {
  if (!ctx.config.rateLimits) return;
  const counters = new Map<LimitName, Counter>();
  for (const name of Object.keys(rateLimits) as LimitName[]) {
    counters.set(name, await createCounter(app, name, rateLimits[name], ctx.redis));
  }
  const failOpen = failOpenReporter(ctx.logger, ctx.clock);

  app.addHook('onRoute', (route) => {
    const declared = route.config?.limit;
    if (declared === undefined) return;
    const names: readonly LimitName[] = typeof declared === 'string' ? [declared] : declared;
    const checks = names.map((name) => ({ name, count: counters.get(name)! }));
    const enforce = enforceLimits(checks, ctx.clock, failOpen);
    const existing = route.preHandler;
    route.preHandler =
      existing === undefined ? [enforce] : [enforce, ...(Array.isArray(existing) ? existing : [existing])];
  });
}

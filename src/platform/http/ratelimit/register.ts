import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errorResponses } from '../envelope.js';
import { type Counter, createCounter } from './counter.js';
import { enforceLimits } from './enforce.js';
import { failOpenReporter } from './fail-open.js';
import { type CallerKey, requestKeys } from './keys.js';
import { describeLimit, type LimitName, type LimitPolicy, rateLimits } from './limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The named rate limit(s) a route counts against (limits.ts), e.g. `'connection'`. */
    limit?: LimitName | readonly LimitName[];
  }
  interface FastifyInstance {
    /** The limit of the routes of this scope that declare none (set by `limitScope`). */
    scopeLimit?: LimitName;
  }
}

/**
 * Makes every route registered in `scope` (an encapsulated plugin) count against `limit`, unless it
 * declares its own `config.limit`: how a module puts all its routes in one class.
 */
export function limitScope(scope: FastifyInstance, limit: LimitName): void {
  // A decorator, so that the scope's nested plugins inherit it and its siblings do not see it.
  scope.decorate('scopeLimit', limit);
}

/**
 * The one rate-limiting mechanism: every route registered after this in the scope that declares
 * `config.limit`, or sits in a scope given one by `limitScope`, is counted, per caller and per
 * limit, at preHandler (after the guard has set `request.principal`); its OpenAPI description names
 * its limits. Counters live in Redis when the context has it, else in memory. Nothing is limited
 * when rate limits are turned off. `callerKey` says who the guard authenticated.
 */
export async function registerRateLimiting(
  app: FastifyInstance,
  ctx: AppContext,
  callerKey: CallerKey,
): Promise<void> {
  if (!ctx.config.rateLimits) return;
  const keys = requestKeys(callerKey);
  const counters = new Map<LimitName, Counter>();
  for (const name of Object.keys(rateLimits) as LimitName[]) {
    const policy = rateLimits[name];
    counters.set(name, await createCounter(app, name, policy, keys[policy.per], ctx.redis));
  }
  const failOpen = failOpenReporter(ctx.logger, ctx.clock);

  // `this` is the instance the route is registered on, so its scope's limit is visible.
  app.addHook('onRoute', function (route) {
    const declared = route.config?.limit ?? this.scopeLimit;
    if (declared === undefined) return;
    const names: readonly LimitName[] = typeof declared === 'string' ? [declared] : declared;
    if (route.schema) {
      route.schema.description = `${route.schema.description ? `${route.schema.description}\n\n` : ''}Rate limit: ${names.map(describeLimit).join(', ')}.`;
      if (route.schema.response && typeof route.schema.response === 'object') {
        route.schema.response = { ...errorResponses(429), ...route.schema.response };
      }
    }
    const checks = names.map((name) => {
      const policy: LimitPolicy = rateLimits[name];
      return { name, count: counters.get(name)!, failuresOnly: policy.failuresOnly === true };
    });
    const { preHandler, onSend } = enforceLimits(checks, ctx.clock, failOpen);
    const existing = route.preHandler;
    route.preHandler =
      existing === undefined
        ? [preHandler]
        : [preHandler, ...(Array.isArray(existing) ? existing : [existing])];
    if (onSend) {
      const sending = route.onSend;
      route.onSend =
        sending === undefined ? [onSend] : [...(Array.isArray(sending) ? sending : [sending]), onSend];
    }
  });
}

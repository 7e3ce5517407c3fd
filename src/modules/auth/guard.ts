import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import type { Authenticator } from './authenticator.js';
import type { Permission } from './permissions.js';
import { actorOf, type Caller, type Principal } from './principal.js';

/**
 * What a route requires of its caller, declared in its `config.access`:
 * - `public`: nobody needs to be signed in;
 * - `optional`: a caller is identified when credentials are sent;
 * - `authenticated`: any signed-in user or API key (the default for every /api/v1 route);
 * - `super_admin`: a platform super admin;
 * - a Permission: a caller whose role (or API key scopes) grants it.
 */
export type Access = 'public' | 'optional' | 'authenticated' | 'super_admin' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The caller of a route that required authentication. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED');
  return request.principal;
}

/**
 * The caller as services take it: the principal's org, its audit actor, the time now. `principal`
 * when the route has checked more than authentication (its org in the path, a signed-in user).
 */
export function callerOf(request: FastifyRequest, clock: Clock, principal = principalOf(request)): Caller {
  return { orgId: principal.orgId, actor: actorOf(principal, request), now: clock.now() };
}

/** Who the guard authenticated, as rate limits count callers: `user:<id>` or `api_key:<id>`. */
export function callerKeyOf(request: FastifyRequest): string | undefined {
  const principal = request.principal;
  return principal ? `${principal.kind}:${principal.id}` : undefined;
}

/** The caller, who must be a signed-in user (not an API key): for what only a person may do. */
export function userOf(request: FastifyRequest): Principal & { kind: 'user' } {
  const principal = principalOf(request);
  if (principal.kind !== 'user')
    throw new AppError('FORBIDDEN', 'Only a signed-in user can do this, not an API key');
  return { ...principal, kind: 'user' };
}

/**
 * The one mechanism that authenticates and authorises: every route registered after this in the
 * scope gets a check built from its declared access. Public routes get no hook at all.
 */
export function registerGuard(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const access: Access = route.config?.access ?? 'authenticated';
    if (route.schema) {
      // The OpenAPI document tells clients what each route requires.
      const requirement =
        access === 'authenticated'
          ? 'any signed-in caller'
          : access === 'optional'
            ? 'none (a caller is identified when credentials are sent)'
            : access === 'public'
              ? 'none'
              : `\`${access}\``;
      route.schema.description = `${route.schema.description ? `${route.schema.description}\n\n` : ''}Access: ${requirement}.`;
      if (access !== 'public')
        route.schema.security = access === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }];
    }
    if (access === 'public') return;
    const check: onRequestHookHandler = async (request) => {
      const principal = await authenticator.authenticate(request.headers.authorization);
      if (!principal) {
        if (access === 'optional') return;
        throw new AppError('UNAUTHORIZED', 'Authentication required: send "Authorization: Bearer <token>"');
      }
      request.principal = principal;
      if (access === 'optional' || access === 'authenticated') return;
      if (access === 'super_admin') {
        if (!principal.isSuperAdmin) throw new AppError('FORBIDDEN', 'Requires a super admin');
        return;
      }
      if (!principal.permissions.has(access)) {
        throw new AppError('FORBIDDEN', `Requires the ${access} permission`, { permission: access });
      }
    };
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [check] : [check, ...(Array.isArray(existing) ? existing : [existing])];
  });
}

import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../platform/errors.js';
import { principalOf } from '../auth/guard.js';
import { ORG_ROLES } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';

/** What the routes under /orgs/:id share: the org in the path, and a role in it. */
export const Role = Type.Enum([...ORG_ROLES]);

/** Org-scoped routes act on the caller's active org; any other org id reads as missing. */
export function activeOrg(request: FastifyRequest, orgId: string): Principal {
  const principal = principalOf(request);
  if (principal.orgId !== orgId) throw new AppError('ORG_NOT_FOUND');
  return principal;
}

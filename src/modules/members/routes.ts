import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
  sortQuery,
} from '../../platform/http/envelope.js';
import { IdParams, PathId } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import type { OrgRole } from '../auth/permissions.js';
import { activeOrg, Role } from '../orgs/org-scope.js';
import { UserView } from '../users/routes.js';
import { USER_SORTS } from '../users/store.js';

const MemberParams = Type.Object({
  id: PathId,
  userId: PathId,
});

/** The members of your active organisation: who they are, their roles, their removal. */
export const memberRoutes: ModuleRoutes = async (app, { ctx, members }) => {
  app.get(
    '/orgs/:id/members',
    {
      config: { access: 'users:read' },
      schema: {
        tags: ['orgs'],
        summary: 'Members of your active organisation',
        params: IdParams,
        querystring: Type.Object(
          {
            ...pageQuery(),
            ...sortQuery(USER_SORTS, { sort: 'name', order: 'asc' }),
            role: Type.Optional(Role),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(UserView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const caller = callerOf(request, ctx.clock, activeOrg(request, request.params.id));
      const { rows, total } = await members.list(caller, { role: request.query.role }, request.query);
      return paged(rows, request.query, total);
    },
  );

  app.patch(
    '/orgs/:id/members/:userId',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['orgs'],
        summary: "Change a member's role",
        description: 'Takes effect on the member’s next request, for their sessions and their API keys.',
        params: MemberParams,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: {
          200: DataEnvelope(Type.Object({ user_id: Type.String(), role: Type.String() })),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request, ctx.clock, activeOrg(request, request.params.id));
      const { userId } = request.params;
      const role: OrgRole = request.body.role;
      await members.changeRole(caller, userId, role);
      return { data: { user_id: userId, role } };
    },
  );

  app.delete(
    '/orgs/:id/members/:userId',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['orgs'],
        summary: 'Remove a member; their sessions in this organisation end at once',
        params: MemberParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request, ctx.clock, activeOrg(request, request.params.id));
      await members.remove(caller, request.params.userId);
      return reply.code(204).send(null);
    },
  );
};

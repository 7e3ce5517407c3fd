import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { AppError } from '../../platform/errors.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
  sortQuery,
} from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf, userOf } from '../auth/guard.js';
import { ORG_ROLES } from '../auth/permissions.js';
import type { ProfileChanges } from './service.js';
import { USER_SORTS } from './store.js';

export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  is_active: Type.Boolean(),
  last_login_at: Type.Union([Type.String(), Type.Null()]),
  joined_at: Type.String(),
  created_at: Type.String(),
});

/** The people of the caller's organisation, the caller's own profile, and (super admins) accounts. */
export const userRoutes: ModuleRoutes = async (app, { ctx, users }) => {
  app.get(
    '/users',
    {
      config: { access: 'users:read' },
      schema: {
        tags: ['users'],
        summary: "List the organisation's users",
        querystring: Type.Object(
          {
            ...pageQuery(),
            ...sortQuery(USER_SORTS, { sort: 'name', order: 'asc' }),
            search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name or email' })),
            role: Type.Optional(Type.Enum([...ORG_ROLES])),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(UserView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { rows, total } = await users.list(
        callerOf(request, ctx.clock),
        { search: q.search, role: q.role },
        q,
      );
      return paged(rows, q, total);
    },
  );

  app.get(
    '/users/:id',
    {
      config: { access: 'users:read' },
      schema: {
        tags: ['users'],
        summary: 'Get a user of the organisation',
        params: IdParams,
        response: { 200: DataEnvelope(UserView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ data: await users.get(callerOf(request, ctx.clock), request.params.id) }),
  );

  app.patch(
    '/users/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['users'],
        summary: 'Update your own name or password',
        description: 'Changing the password requires `current_password`.',
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
            current_password: Type.Optional(Type.String({ maxLength: 1024 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(UserView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = userOf(request);
      const { name, password, current_password: currentPassword } = request.body;
      let passwordChange: ProfileChanges['password'];
      if (password !== undefined) {
        if (currentPassword === undefined) {
          throw new AppError('VALIDATION_ERROR', 'current_password is required to change the password', {
            fields: [{ field: 'current_password', location: 'body', message: 'is required with password' }],
          });
        }
        passwordChange = { current: currentPassword, next: password };
      }
      const user = await users.updateProfile(callerOf(request, ctx.clock, principal), principal.id, {
        name,
        password: passwordChange,
      });
      return { data: user };
    },
  );

  app.patch(
    '/admin/users/:id/status',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['users'],
        summary: 'Deactivate or reactivate an account',
        description:
          'A deactivated user can no longer log in, and their sessions and API keys are refused from the ' +
          'next request on, in every organisation. A reactivated user logs in again.',
        params: IdParams,
        body: Type.Object({ is_active: Type.Boolean() }, { additionalProperties: false }),
        response: {
          200: DataEnvelope(
            Type.Object({ id: Type.String(), is_active: Type.Boolean(), updated_at: Type.String() }),
          ),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      data: await users.setActive(callerOf(request, ctx.clock), request.params.id, request.body.is_active),
    }),
  );
};

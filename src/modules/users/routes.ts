import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { hashPassword, verifyPassword } from '../../platform/crypto/passwords.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
  sortQuery,
} from '../../platform/http/envelope.js';
import { AppError } from '../../platform/http/errors.js';
import { recordAudit } from '../audit/service.js';
import { principalOf, userOf } from '../auth/guard.js';
import { ORG_ROLES } from '../auth/permissions.js';
import { actorOf } from '../auth/principal.js';
import { setUserActive } from './service.js';
import { findOrgUser, listOrgUsers, USER_SORTS } from './store.js';

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

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** The people of the caller's organisation, the caller's own profile, and (super admins) accounts. */
export const userRoutes: ModuleRoutes = async (app, { ctx, sessions, principalCache }) => {
  const db = ctx.database.db;

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
      const { rows, total } = await listOrgUsers(
        db,
        principalOf(request).orgId,
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
    async (request) => {
      const user = await findOrgUser(db, principalOf(request).orgId, request.params.id);
      if (!user) throw new AppError('USER_NOT_FOUND');
      return { data: user };
    },
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
      const now = ctx.clock.now();
      const changes: { name?: string; password_hash?: string } = {};
      if (name !== undefined) changes.name = name;
      if (password !== undefined) {
        if (currentPassword === undefined) {
          throw new AppError('VALIDATION_ERROR', 'current_password is required to change the password', {
            fields: [{ field: 'current_password', location: 'body', message: 'is required with password' }],
          });
        }
        const row = await db
          .selectFrom('users')
          .select('password_hash')
          .where('id', '=', principal.id)
          .executeTakeFirst();
        if (!(await verifyPassword(row?.password_hash, currentPassword)))
          throw new AppError('INVALID_CREDENTIALS', 'Current password is wrong');
        changes.password_hash = await hashPassword(password);
      }
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('users')
          .set({ ...changes, updated_at: now.toISOString() })
          .where('id', '=', principal.id)
          .execute();
        await recordAudit(
          tx,
          actorOf(principal, request),
          {
            orgId: principal.orgId,
            action: 'user.updated',
            targetType: 'user',
            targetId: principal.id,
            changedFields: Object.keys(changes).map((k) => (k === 'password_hash' ? 'password' : k)),
          },
          now,
        );
      });
      // The caller's name is part of the cached principal (audit entries carry it).
      if (name !== undefined) await principalCache.invalidate();
      const user = await findOrgUser(db, principal.orgId, principal.id);
      if (!user) throw new AppError('USER_NOT_FOUND');
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
      data: await setUserActive(
        { db, sessions, principals: principalCache },
        request.params.id,
        request.body.is_active,
        actorOf(principalOf(request), request),
        ctx.clock.now(),
      ),
    }),
  );
};

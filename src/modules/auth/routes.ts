import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App, ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses } from '../../platform/http/envelope.js';
import { AppError } from '../../platform/http/errors.js';
import { recordAudit } from '../audit/service.js';
import { checkCredentials, registerAccount } from './accounts.js';
import { principalOf, userOf } from './guard.js';
import type { TokenPair } from './sessions.js';

const REFRESH_COOKIE = 'sb_refresh';
const COOKIE_PATH = '/api/v1/auth';

const Email = Type.String({ format: 'email', maxLength: 320 });
const Password = Type.String({ minLength: 12, maxLength: 1024 });
const Id = Type.String({ minLength: 1, maxLength: 64 });

const UserSummary = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  is_super_admin: Type.Boolean(),
});
const OrgSummary = Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() });
const Session = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  expires_at: Type.String(),
  refresh_token: Type.String(),
  refresh_expires_at: Type.String(),
  user: UserSummary,
  org: OrgSummary,
});
// `{}` is enough when the refresh token travels in the cookie.
const RefreshBody = Type.Object(
  { refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
);

/** Registration, login, token refresh and logout, the caller's identity, switching org. */
export const authRoutes: ModuleRoutes = async (api, services) => {
  // The cookie parser is only needed here, so it is scoped to these routes.
  await api.register(async (app: App) => {
    await app.register(cookie);
    routes(app, services);
  });
};

function routes(app: App, { ctx, sessions }: Parameters<ModuleRoutes>[1]): void {
  const db = ctx.database.db;
  const { config } = ctx;

  const loadUserAndOrg = async (userId: string, orgId: string) => {
    const row = await db
      .selectFrom('users as u')
      .innerJoin('memberships as m', 'm.user_id', 'u.id')
      .innerJoin('orgs as o', 'o.id', 'm.org_id')
      .select([
        'u.id',
        'u.email',
        'u.name',
        'u.is_super_admin',
        'o.id as org_id',
        'o.name as org_name',
        'o.slug',
      ])
      .where('u.id', '=', userId)
      .where('o.id', '=', orgId)
      .executeTakeFirstOrThrow();
    return {
      user: { id: row.id, email: row.email, name: row.name, is_super_admin: row.is_super_admin },
      org: { id: row.org_id, name: row.org_name, slug: row.slug },
    };
  };

  /** The session body, with the refresh token also set as a cookie when configured. */
  const respond = async (reply: FastifyReply, pair: TokenPair, userId: string, orgId: string) => {
    if (config.auth.refreshCookie) {
      reply.setCookie(REFRESH_COOKIE, pair.refresh_token, {
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        path: COOKIE_PATH,
        expires: new Date(pair.refresh_expires_at),
      });
    }
    return { data: { ...pair, ...(await loadUserAndOrg(userId, orgId)) } };
  };

  const refreshTokenOf = (request: FastifyRequest, body: { refresh_token?: string }) => {
    const token = body.refresh_token ?? request.cookies[REFRESH_COOKIE];
    if (!token) {
      throw new AppError('VALIDATION_ERROR', 'refresh_token is required', {
        fields: [
          { field: 'refresh_token', location: 'body', message: 'is required (or the sb_refresh cookie)' },
        ],
      });
    }
    return token;
  };

  app.post(
    '/auth/register',
    {
      config: { access: 'public', limit: 'CREATE_WORKSPACE' },
      schema: {
        tags: ['auth'],
        summary: 'Create an account and a new organisation you administer',
        body: Type.Object(
          {
            email: Email,
            password: Password,
            name: Type.String({ minLength: 1, maxLength: 255 }),
            org_name: Type.String({ minLength: 1, maxLength: 255 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(Session), ...errorResponses(400, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      if (!config.auth.allowRegistration) throw new AppError('REGISTRATION_DISABLED');
      const { email, password, name, org_name: orgName } = request.body;
      const now = ctx.clock.now();
      const { user, org } = await registerAccount(
        db,
        { email, password, name, orgName },
        { requestId: request.id, ip: request.ip },
        now,
      );
      const pair = await sessions.start(user.id, org.id);
      reply.code(201);
      return respond(reply, pair, user.id, org.id);
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: 'public', limit: ['login_ip', 'login_account'] },
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        description: 'Signs in to `org_id`, or to the first organisation the user joined.',
        body: Type.Object(
          {
            email: Type.String({ minLength: 1, maxLength: 320 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            org_id: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(Session), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const user = await checkCredentials(db, request.body.email, request.body.password);
      let q = db.selectFrom('memberships').select('org_id').where('user_id', '=', user.id);
      q = request.body.org_id
        ? q.where('org_id', '=', request.body.org_id)
        : q.orderBy('created_at').orderBy('org_id');
      const membership = await q.executeTakeFirst();
      if (!membership) {
        if (request.body.org_id) throw new AppError('ORG_NOT_FOUND');
        throw new AppError('FORBIDDEN', 'This account is not a member of any organisation');
      }
      const now = ctx.clock.now();
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('users')
          .set({ last_login_at: now.toISOString() })
          .where('id', '=', user.id)
          .execute();
        await recordAudit(
          tx,
          { type: 'user', id: user.id, name: user.name, requestId: request.id, ip: request.ip },
          { orgId: membership.org_id, action: 'auth.login', targetType: 'user', targetId: user.id },
          now,
        );
      });
      return respond(reply, await sessions.start(user.id, membership.org_id), user.id, membership.org_id);
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { access: 'public', limit: 'login_ip' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair',
        description:
          "The presented refresh token is rotated: it stops working, and a new one is returned. Presenting an already-rotated token revokes every session of that login. After the organisation's inactivity timeout, answers 401 SESSION_EXPIRED.",
        body: RefreshBody,
        response: { 200: DataEnvelope(Session), ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const pair = await sessions.refresh(refreshTokenOf(request, request.body), {
        requestId: request.id,
        ip: request.ip,
      });
      const claims = await app.services.accessTokens.verify(pair.access_token);
      return respond(reply, pair, claims.userId, claims.orgId);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke the session (the refresh token and every token rotated from the same login)',
        body: RefreshBody,
        response: { 204: Type.Null(), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const token = refreshTokenOf(request, request.body);
      const userId = await sessions.end(token);
      if (userId) {
        await recordAudit(
          db,
          { type: 'user', id: userId, name: null, requestId: request.id, ip: request.ip },
          { orgId: null, action: 'auth.logout', targetType: 'user', targetId: userId },
          ctx.clock.now(),
        );
      }
      if (config.auth.refreshCookie) reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          'Who you are: user (or API key), active organisation, role, effective permissions, organisations',
        response: {
          200: DataEnvelope(
            Type.Object({
              kind: Type.Enum(['user', 'api_key']),
              user: Type.Union([UserSummary, Type.Null()]),
              api_key: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
              org: OrgSummary,
              role: Type.Union([Type.String(), Type.Null()]),
              permissions: Type.Array(Type.String()),
              orgs: Type.Array(
                Type.Object({
                  id: Type.String(),
                  name: Type.String(),
                  slug: Type.String(),
                  role: Type.String(),
                }),
              ),
            }),
          ),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const org = await db
        .selectFrom('orgs')
        .select(['id', 'name', 'slug'])
        .where('id', '=', principal.orgId)
        .executeTakeFirst();
      if (!org) throw new AppError('UNAUTHORIZED', 'Your organisation no longer exists');
      const user =
        principal.kind === 'user'
          ? await db
              .selectFrom('users')
              .select(['id', 'email', 'name', 'is_super_admin'])
              .where('id', '=', principal.id)
              .executeTakeFirst()
          : undefined;
      const orgs =
        principal.kind === 'user'
          ? await db
              .selectFrom('memberships as m')
              .innerJoin('orgs as o', 'o.id', 'm.org_id')
              .select(['o.id', 'o.name', 'o.slug', 'm.role'])
              .where('m.user_id', '=', principal.id)
              .orderBy('o.name')
              .execute()
          : [{ ...org, role: 'api_key' }];
      return {
        data: {
          kind: principal.kind,
          user: user ?? null,
          api_key: principal.kind === 'api_key' ? { id: principal.id, name: principal.name } : null,
          org,
          role: principal.role,
          permissions: [...principal.permissions].sort(),
          orgs,
        },
      };
    },
  );

  app.post(
    '/auth/switch-org',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Get tokens for another organisation you belong to',
        body: Type.Object({ org_id: Id }, { additionalProperties: false }),
        response: { 200: DataEnvelope(Session), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = userOf(request);
      const member = await db
        .selectFrom('memberships')
        .select('org_id')
        .where('user_id', '=', principal.id)
        .where('org_id', '=', request.body.org_id)
        .executeTakeFirst();
      if (!member) throw new AppError('ORG_NOT_FOUND');
      return respond(reply, await sessions.start(principal.id, member.org_id), principal.id, member.org_id);
    },
  );
}

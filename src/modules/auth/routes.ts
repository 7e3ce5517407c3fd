import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App, ModuleRoutes } from '../../app.js';
import { AppError } from '../../platform/errors.js';
import { DataEnvelope, errorResponses } from '../../platform/http/envelope.js';
import { principalOf, userOf } from './guard.js';
import type { SessionView } from './service.js';

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

function routes(app: App, { ctx, auth }: Parameters<ModuleRoutes>[1]): void {
  const { config } = ctx;

  /** The session body, with the refresh token also set as a cookie when configured. */
  const respond = (reply: FastifyReply, session: SessionView) => {
    if (config.auth.refreshCookie) {
      reply.setCookie(REFRESH_COOKIE, session.refresh_token, {
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        path: COOKIE_PATH,
        expires: new Date(session.refresh_expires_at),
      });
    }
    return { data: session };
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
      const { email, password, name, org_name: orgName } = request.body;
      const session = await auth.register(
        { email, password, name, orgName },
        { requestId: request.id, ip: request.ip },
        ctx.clock.now(),
      );
      reply.code(201);
      return respond(reply, session);
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
      const { email, password, org_id: orgId } = request.body;
      const session = await auth.login(
        { email, password, orgId },
        { requestId: request.id, ip: request.ip },
        ctx.clock.now(),
      );
      return respond(reply, session);
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
      const session = await auth.refresh(refreshTokenOf(request, request.body), {
        requestId: request.id,
        ip: request.ip,
      });
      return respond(reply, session);
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
      await auth.logout(token, { requestId: request.id, ip: request.ip }, ctx.clock.now());
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
    async (request) => ({ data: await auth.identify(principalOf(request)) }),
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
      return respond(reply, await auth.switchOrg(principal.id, request.body.org_id));
    },
  );
}

import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses } from '../../platform/http/envelope.js';
import { IdParams, PathId } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import { activeOrg, Role } from '../orgs/org-scope.js';

/** Invitations to join your active organisation, and their acceptance. */
export const invitationRoutes: ModuleRoutes = async (app, { ctx, invitations }) => {
  app.get(
    '/orgs/:id/invitations',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['orgs'],
        summary: 'Pending invitations: not accepted and not expired, newest first (never their tokens)',
        params: IdParams,
        response: {
          200: DataEnvelope(
            Type.Array(
              Type.Object({
                id: Type.String(),
                email: Type.String(),
                role: Type.String(),
                invited_by: Type.Union([Type.String(), Type.Null()]),
                expires_at: Type.String(),
                created_at: Type.String(),
              }),
            ),
          ),
          ...errorResponses(401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const principal = activeOrg(request, request.params.id);
      return { data: await invitations.pending(callerOf(request, ctx.clock, principal)) };
    },
  );

  app.delete(
    '/orgs/:id/invitations/:invitationId',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['orgs'],
        summary: 'Revoke a pending invitation: its token no longer opens anything',
        params: Type.Object({ id: PathId, invitationId: PathId }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const principal = activeOrg(request, request.params.id);
      await invitations.revoke(callerOf(request, ctx.clock, principal), request.params.invitationId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/orgs/:id/invitations',
    {
      config: { access: 'members:manage', limit: ['INVITE_MEMBER', 'SEND_INVITATION'] },
      schema: {
        tags: ['orgs'],
        summary: 'Invite someone by email; the token is shown once',
        params: IdParams,
        body: Type.Object(
          { email: Type.String({ format: 'email', maxLength: 320 }), role: Role },
          { additionalProperties: false },
        ),
        response: {
          201: DataEnvelope(
            Type.Object({
              id: Type.String(),
              email: Type.String(),
              role: Type.String(),
              expires_at: Type.String(),
              token: Type.String(),
              accept_url: Type.String(),
            }),
          ),
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const principal = activeOrg(request, request.params.id);
      const invitation = await invitations.create(
        callerOf(request, ctx.clock, principal),
        principal,
        request.body,
      );
      return reply.code(201).send({ data: invitation });
    },
  );

  app.post(
    '/invitations/:token/accept',
    {
      // The token is the invitation's bearer secret: no log line may show it.
      config: { access: 'optional', limit: 'ACCEPT_INVITATION', secretParams: ['token'] },
      schema: {
        tags: ['orgs'],
        summary: 'Accept an invitation',
        description:
          'Signed in as the invited email: joins. Not signed in: `password` (and `name`) create the account, or `password` proves an existing one. Returns tokens for the organisation joined.',
        params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: DataEnvelope(
            Type.Object({
              org_id: Type.String(),
              user_id: Type.String(),
              role: Type.String(),
              access_token: Type.String(),
              refresh_token: Type.String(),
              expires_at: Type.String(),
            }),
          ),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => ({
      data: await invitations.accept(
        request.params.token,
        request.principal,
        request.body,
        request,
        ctx.clock.now(),
      ),
    }),
  );
};

import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { randomToken, sha256Hex } from '../../platform/crypto/tokens.js';
import { uniqueOr } from '../../platform/db/errors.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
  pageWindow,
  sortQuery,
} from '../../platform/http/envelope.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import { checkCredentials, insertUser, normaliseEmail } from '../auth/accounts.js';
import { principalOf, userOf } from '../auth/guard.js';
import { ORG_ROLES, type OrgRole } from '../auth/permissions.js';
import { type Actor, actorOf } from '../auth/principal.js';
import { recordEvent } from '../events/outbox.js';
import { UserView } from '../users/routes.js';
import { listOrgUsers, USER_SORTS } from '../users/store.js';
import { changeMemberRole, createOrgWithOwner, removeMember } from './service.js';

const INVITATION_TTL_DAYS = 7;

const OrgView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  session_timeout_mins: Type.Integer(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  role: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const Role = Type.Enum([...ORG_ROLES]);
const OrgParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const MemberParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  userId: Type.String({ minLength: 1, maxLength: 64 }),
});

/** Organisations, their members, and invitations to join them. */
export const orgRoutes: ModuleRoutes = async (app, { ctx, sessions, principalCache }) => {
  const db = ctx.database.db;
  const membership = { db, sessions, principals: principalCache };

  /** Org-scoped routes act on the caller's active org; any other org id reads as missing. */
  const activeOrg = (request: FastifyRequest, orgId: string) => {
    const principal = principalOf(request);
    if (principal.orgId !== orgId) throw new AppError('ORG_NOT_FOUND');
    return principal;
  };

  const loadOrg = async (orgId: string, role: string | null) => {
    const org = await db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
    if (!org) throw new AppError('ORG_NOT_FOUND');
    return { ...org, role };
  };

  app.get(
    '/orgs',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['orgs'],
        summary: 'The organisations you belong to (a super admin sees all)',
        querystring: Type.Object({ ...pageQuery() }, { additionalProperties: false }),
        response: { 200: PagedEnvelope(OrgView), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { limit, offset } = pageWindow(request.query);
      const userId = principal.kind === 'user' ? principal.id : '';
      let q = db
        .selectFrom('orgs as o')
        .leftJoin('memberships as m', (j) => j.onRef('m.org_id', '=', 'o.id').on('m.user_id', '=', userId));
      if (principal.kind === 'api_key') q = q.where('o.id', '=', principal.orgId);
      else if (!principal.isSuperAdmin) q = q.where('m.user_id', 'is not', null);
      const [rows, count] = await Promise.all([
        q
          .selectAll('o')
          .select('m.role')
          .orderBy('o.name')
          .orderBy('o.id')
          .limit(limit)
          .offset(offset)
          .execute(),
        q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
      ]);
      return paged(rows, request.query, count.total);
    },
  );

  app.post(
    '/orgs',
    {
      config: { access: 'authenticated', limit: 'CREATE_WORKSPACE' },
      schema: {
        tags: ['orgs'],
        summary: 'Create an organisation; you become its tenant_admin',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 255 }),
            slug: Type.Optional(Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(OrgView), ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const principal = userOf(request);
      const now = ctx.clock.now();
      const org = await uniqueOr(
        () => new AppError('SLUG_TAKEN'),
        () =>
          db
            .transaction()
            .execute((tx) =>
              createOrgWithOwner(
                tx,
                { name: request.body.name, slug: request.body.slug, ownerId: principal.id },
                actorOf(principal, request),
                now,
              ),
            ),
      );
      return reply.code(201).send({ data: { ...org, role: 'tenant_admin' } });
    },
  );

  app.get(
    '/orgs/:id',
    {
      config: { access: 'org:read' },
      schema: {
        tags: ['orgs'],
        summary: 'Your active organisation, with its settings',
        params: OrgParams,
        response: { 200: DataEnvelope(OrgView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = activeOrg(request, request.params.id);
      return { data: await loadOrg(principal.orgId, principal.role) };
    },
  );

  app.patch(
    '/orgs/:id',
    {
      config: { access: 'org:update', limit: 'UPDATE_WORKSPACE' },
      schema: {
        tags: ['orgs'],
        summary: 'Rename the organisation or change its settings',
        params: OrgParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            session_timeout_mins: Type.Optional(
              Type.Integer({
                minimum: 5,
                maximum: 1440,
                description: 'Inactivity after which a refresh is refused',
              }),
            ),
            settings: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 100 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(OrgView), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const principal = activeOrg(request, request.params.id);
      const now = ctx.clock.now();
      const changes = request.body;
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('orgs')
          .set({ ...changes, updated_at: now.toISOString() })
          .where('id', '=', principal.orgId)
          .execute();
        await recordAudit(
          tx,
          actorOf(principal, request),
          {
            orgId: principal.orgId,
            action: 'org.updated',
            targetType: 'org',
            targetId: principal.orgId,
            changedFields: Object.keys(changes),
          },
          now,
        );
      });
      return { data: await loadOrg(principal.orgId, principal.role) };
    },
  );

  app.get(
    '/orgs/:id/members',
    {
      config: { access: 'users:read' },
      schema: {
        tags: ['orgs'],
        summary: 'Members of your active organisation',
        params: OrgParams,
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
      const principal = activeOrg(request, request.params.id);
      const { rows, total } = await listOrgUsers(
        db,
        principal.orgId,
        { role: request.query.role },
        request.query,
      );
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
      const principal = activeOrg(request, request.params.id);
      const { userId } = request.params;
      const role: OrgRole = request.body.role;
      await changeMemberRole(
        membership,
        principal.orgId,
        userId,
        role,
        actorOf(principal, request),
        ctx.clock.now(),
      );
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
      const principal = activeOrg(request, request.params.id);
      await removeMember(
        membership,
        principal.orgId,
        request.params.userId,
        actorOf(principal, request),
        ctx.clock.now(),
      );
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
        params: OrgParams,
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
      const email = normaliseEmail(request.body.email);
      const now = ctx.clock.now();
      const token = randomToken(32);
      const invitation = {
        id: newId(),
        org_id: principal.orgId,
        email,
        role: request.body.role,
        token_hash: sha256Hex(token),
        invited_by: principal.userId,
        expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000).toISOString(),
        accepted_at: null,
        created_at: now.toISOString(),
      };
      await db.transaction().execute(async (tx) => {
        const already = await tx
          .selectFrom('memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select('u.id')
          .where('m.org_id', '=', principal.orgId)
          .where('u.email', '=', email)
          .executeTakeFirst();
        if (already) throw new AppError('ALREADY_MEMBER');
        await tx.insertInto('invitations').values(invitation).execute();
        await recordAudit(
          tx,
          actorOf(principal, request),
          {
            orgId: principal.orgId,
            action: 'invitation.created',
            targetType: 'invitation',
            targetId: invitation.id,
          },
          now,
        );
      });
      return reply.code(201).send({
        data: {
          id: invitation.id,
          email,
          role: invitation.role,
          expires_at: invitation.expires_at,
          token,
          accept_url: `${ctx.config.publicUrl}/api/v1/invitations/${token}/accept`,
        },
      });
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
    async (request) => {
      const now = ctx.clock.now();
      const invitation = await db
        .selectFrom('invitations')
        .selectAll()
        .where('token_hash', '=', sha256Hex(request.params.token))
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .executeTakeFirst();
      if (!invitation) throw new AppError('INVITATION_NOT_FOUND');
      const userId = await db.transaction().execute(async (tx) => {
        let user: { id: string; name: string };
        const principal = request.principal;
        if (principal) {
          const me = await tx
            .selectFrom('users')
            .select(['id', 'name', 'email'])
            .where('id', '=', principal.userId ?? '')
            .executeTakeFirst();
          if (principal.kind !== 'user' || !me || me.email !== invitation.email) {
            throw new AppError('FORBIDDEN', 'This invitation is for another email address');
          }
          user = me;
        } else {
          const { name, password } = request.body;
          if (!password) {
            throw new AppError('VALIDATION_ERROR', 'password is required to accept without signing in', {
              fields: [{ field: 'password', location: 'body', message: 'is required when not signed in' }],
            });
          }
          const exists = await tx
            .selectFrom('users')
            .select('id')
            .where('email', '=', invitation.email)
            .executeTakeFirst();
          user = exists
            ? await checkCredentials(tx, invitation.email, password)
            : await insertUser(
                tx,
                { email: invitation.email, name: name ?? invitation.email, password },
                now,
              );
        }
        const claimed = await tx
          .updateTable('invitations')
          .set({ accepted_at: now.toISOString() })
          .where('id', '=', invitation.id)
          .where('accepted_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('INVITATION_NOT_FOUND');
        const member = await tx
          .selectFrom('memberships')
          .select('role')
          .where('org_id', '=', invitation.org_id)
          .where('user_id', '=', user.id)
          .executeTakeFirst();
        if (!member) {
          await tx
            .insertInto('memberships')
            .values({
              org_id: invitation.org_id,
              user_id: user.id,
              role: invitation.role,
              created_at: now.toISOString(),
              updated_at: now.toISOString(),
            })
            .execute();
          await recordEvent(
            tx,
            {
              type: 'member.added',
              orgId: invitation.org_id,
              subjectId: user.id,
              payload: { user_id: user.id, role: invitation.role },
            },
            now,
          );
        }
        const actor: Actor = {
          type: 'user',
          id: user.id,
          name: user.name,
          requestId: request.id,
          ip: request.ip,
        };
        await recordAudit(
          tx,
          actor,
          {
            orgId: invitation.org_id,
            action: 'invitation.accepted',
            targetType: 'invitation',
            targetId: invitation.id,
          },
          now,
        );
        return user.id;
      });
      const pair = await sessions.start(userId, invitation.org_id);
      return {
        data: {
          org_id: invitation.org_id,
          user_id: userId,
          role: invitation.role,
          access_token: pair.access_token,
          refresh_token: pair.refresh_token,
          expires_at: pair.expires_at,
        },
      };
    },
  );
};

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
import { TEAM_SORTS } from './store.js';

const TeamFields = {
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  member_count: Type.Integer({ minimum: 0, description: 'Members who still belong to the organisation' }),
  created_at: Type.String(),
  updated_at: Type.String(),
};

export const TeamView = Type.Object(TeamFields);

export const TeamMemberView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String({ description: "The user's role in the organisation" }),
  added_at: Type.String(),
});

const TeamDetail = Type.Object({ ...TeamFields, members: Type.Array(TeamMemberView) });

const Name = Type.String({ minLength: 1, maxLength: 255 });
const Description = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);

const MemberParams = Type.Object({
  id: PathId,
  userId: PathId,
});

/** Named groups of the organisation's users. */
export const teamRoutes: ModuleRoutes = async (app, { ctx, teams }) => {
  app.get(
    '/teams',
    {
      config: { access: 'teams:read' },
      schema: {
        tags: ['teams'],
        summary: "List the organisation's teams",
        querystring: Type.Object(
          {
            ...pageQuery(),
            ...sortQuery(TEAM_SORTS, { sort: 'name', order: 'asc' }),
            search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches the name' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(TeamView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { rows, total } = await teams.list(callerOf(request, ctx.clock), { search: q.search }, q);
      return paged(rows, q, total);
    },
  );

  app.post(
    '/teams',
    {
      config: { access: 'teams:manage' },
      schema: {
        tags: ['teams'],
        summary: 'Create a team',
        description: 'Team names are unique within the organisation.',
        body: Type.Object(
          { name: Name, description: Type.Optional(Description) },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(TeamView), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const team = await teams.create(callerOf(request, ctx.clock), request.body);
      return reply.code(201).send({ data: team });
    },
  );

  app.get(
    '/teams/:id',
    {
      config: { access: 'teams:read' },
      schema: {
        tags: ['teams'],
        summary: 'Get a team with its members',
        params: IdParams,
        response: { 200: DataEnvelope(TeamDetail), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ data: await teams.get(callerOf(request, ctx.clock), request.params.id) }),
  );

  app.patch(
    '/teams/:id',
    {
      config: { access: 'teams:manage' },
      schema: {
        tags: ['teams'],
        summary: 'Rename a team or change its description',
        description: '`description: null` clears it.',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Name), description: Type.Optional(Description) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(TeamView), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const team = await teams.update(callerOf(request, ctx.clock), request.params.id, request.body);
      return { data: team };
    },
  );

  app.delete(
    '/teams/:id',
    {
      config: { access: 'teams:manage' },
      schema: {
        tags: ['teams'],
        summary: 'Delete a team',
        description: 'Its members stay in the organisation.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await teams.delete(callerOf(request, ctx.clock), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/teams/:id/members/:userId',
    {
      config: { access: 'teams:manage' },
      schema: {
        tags: ['teams'],
        summary: 'Add a user of the organisation to a team',
        description:
          'Idempotent: answers 201 when the user is added and 200, changing nothing, when they already ' +
          'are a member. A user outside the organisation answers 404 `USER_NOT_FOUND`.',
        params: MemberParams,
        response: {
          200: DataEnvelope(TeamMemberView),
          201: DataEnvelope(TeamMemberView),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { member, added } = await teams.addMember(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.userId,
      );
      return reply.code(added ? 201 : 200).send({ data: member });
    },
  );

  app.delete(
    '/teams/:id/members/:userId',
    {
      config: { access: 'teams:manage' },
      schema: {
        tags: ['teams'],
        summary: 'Remove a user from a team',
        description:
          'The user stays in the organisation. 404 `MEMBER_NOT_FOUND` when they are not in the team.',
        params: MemberParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await teams.removeMember(callerOf(request, ctx.clock), request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );
};

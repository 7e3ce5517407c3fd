import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
} from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf, principalOf, userOf } from '../auth/guard.js';
import { activeOrg } from './org-scope.js';

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

/** Organisations: the ones you belong to, a new one, your active one and its settings. */
export const orgRoutes: ModuleRoutes = async (app, { ctx, orgs }) => {
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
      const { rows, total } = await orgs.list(principalOf(request), request.query);
      return paged(rows, request.query, total);
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
      const org = await orgs.create(callerOf(request, ctx.clock, principal), principal.id, {
        name: request.body.name,
        slug: request.body.slug,
      });
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
        params: IdParams,
        response: { 200: DataEnvelope(OrgView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = activeOrg(request, request.params.id);
      return { data: { ...(await orgs.get(callerOf(request, ctx.clock, principal))), role: principal.role } };
    },
  );

  app.patch(
    '/orgs/:id',
    {
      config: { access: 'org:update', limit: 'UPDATE_WORKSPACE' },
      schema: {
        tags: ['orgs'],
        summary: 'Rename the organisation or change its settings',
        params: IdParams,
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
      const org = await orgs.update(callerOf(request, ctx.clock, principal), request.body);
      return { data: { ...org, role: principal.role } };
    },
  );
};

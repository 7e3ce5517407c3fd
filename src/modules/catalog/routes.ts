import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { CAPABILITIES, CATEGORIES } from '../../connectors/sdk.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
} from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import { RESERVED_SLUGS } from './store.js';

const Nullable = Type.Union([Type.String(), Type.Null()]);

export const ConfigSchemaView = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'JSON Schema (2020-12) of a connection\'s `config`, for rendering its form; secret fields are marked `format: "password"` or `"x-secret": true`',
  },
);

const ItemFields = {
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  provider: Type.String({ description: 'The provider family; entries built on one connector share it' }),
  category: Type.String(),
  short_description: Type.String(),
  icon_url: Type.String(),
  auth_type: Type.String(),
  capabilities: Type.Array(Type.String()),
  is_active: Type.Boolean({ description: 'Offered for new connections (status active or beta)' }),
  is_beta: Type.Boolean(),
  version: Type.String(),
  tags: Type.Array(Type.String()),
  org_connections: Type.Integer({ minimum: 0, description: "The caller's organisation's connections to it" }),
  created_at: Type.String(),
};

export const CatalogItemView = Type.Object(ItemFields);

export const CatalogDetailView = Type.Object({
  id: ItemFields.id,
  name: ItemFields.name,
  slug: ItemFields.slug,
  provider: ItemFields.provider,
  category: ItemFields.category,
  description: Type.String(),
  short_description: ItemFields.short_description,
  icon_url: ItemFields.icon_url,
  documentation_url: Nullable,
  website_url: Nullable,
  auth_type: ItemFields.auth_type,
  config_schema: ConfigSchemaView,
  capabilities: ItemFields.capabilities,
  is_active: ItemFields.is_active,
  is_beta: ItemFields.is_beta,
  version: ItemFields.version,
  tags: ItemFields.tags,
  org_connections: ItemFields.org_connections,
  created_at: ItemFields.created_at,
  updated_at: Type.String(),
});

/** The integration catalog as organisations see it (spec: integration-engine-api.md §1). */
export const catalogRoutes: ModuleRoutes = async (app, { ctx, catalog }) => {
  app.get(
    '/integrations',
    {
      config: { access: 'catalog:read' },
      schema: {
        tags: ['catalog'],
        summary: 'List the integrations available to the organisation',
        description: 'Active and beta integrations offered to organisations, by name.',
        querystring: Type.Object(
          {
            category: Type.Optional(Type.Enum([...CATEGORIES])),
            capability: Type.Optional(Type.Enum([...CAPABILITIES])),
            search: Type.Optional(
              Type.String({ maxLength: 200, description: 'Matches the name or the description' }),
            ),
            is_beta: Type.Optional(Type.Boolean({ description: 'true: only beta; false: only non-beta' })),
            ...pageQuery(),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(CatalogItemView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { page, per_page, ...filter } = request.query;
      const { rows, total } = await catalog.list(callerOf(request, ctx.clock), filter, { page, per_page });
      return paged(rows, { page, per_page }, total);
    },
  );

  app.get(
    '/integrations/:id',
    {
      config: { access: 'catalog:read' },
      schema: {
        tags: ['catalog'],
        summary: 'Get an integration, with the config schema its connections fill in',
        description:
          `\`:id\` is the id or the slug. ${RESERVED_SLUGS.map((s) => `\`${s}\``).join(', ')} are other ` +
          'routes, never slugs. A deprecated integration still reads, with `is_active: false`; a disabled ' +
          'one, or one not offered to organisations, answers 404.',
        params: IdParams,
        response: { 200: DataEnvelope(CatalogDetailView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      // Reserved words are routes of their own (or will be), never an entry: answered as an unknown route.
      if (RESERVED_SLUGS.includes(request.params.id)) {
        reply.callNotFound();
        return reply;
      }
      return { data: await catalog.get(callerOf(request, ctx.clock), request.params.id) };
    },
  );
};

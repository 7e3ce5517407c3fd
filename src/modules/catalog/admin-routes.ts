import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { AUTH_TYPES, CAPABILITIES, CATEGORIES } from '../../connectors/sdk.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
} from '../../platform/http/envelope.js';
import { callerOf } from '../auth/guard.js';
import { ConfigSchemaView } from './routes.js';
import { AUDIENCES, STATUSES } from './store.js';

const Nullable = Type.Union([Type.String(), Type.Null()]);

const AdminIntegrationView = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  connector: Type.String({ description: 'The connector of this build that implements the entry' }),
  name: Type.String(),
  provider: Type.String(),
  category: Type.String(),
  short_description: Type.String(),
  description: Type.String(),
  icon_url: Type.String(),
  documentation_url: Nullable,
  website_url: Nullable,
  auth_type: Type.String({ description: `One of: ${AUTH_TYPES.join(', ')}` }),
  config_schema: ConfigSchemaView,
  capabilities: Type.Array(Type.String()),
  entities: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
  oauth: Type.Union([
    Type.Object(
      {},
      {
        additionalProperties: true,
        description: 'authorization_url, token_url, revocation_url, issuer (RFC 9207), scopes',
      },
    ),
    Type.Null(),
  ]),
  version: Type.String(),
  tags: Type.Array(Type.String()),
  status: Type.String(),
  audience: Type.String(),
  is_builtin: Type.Boolean({ description: 'Comes from a connector of this build, upserted at every start' }),
  connection_count: Type.Integer({ minimum: 0, description: 'Connections to it, in every organisation' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Status = Type.Enum([...STATUSES]);
const Audience = Type.Enum([...AUDIENCES]);
const Category = Type.Enum([...CATEGORIES]);
const Capabilities = Type.Array(Type.Enum([...CAPABILITIES]), { uniqueItems: true });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50, uniqueItems: true });
const Name = Type.String({ minLength: 1, maxLength: 255 });
const ShortDescription = Type.String({ minLength: 1, maxLength: 500 });
const Description = Type.String({ maxLength: 10_000 });
const IconUrl = Type.String({ minLength: 1, maxLength: 2048 });
const ConfigSchemaInput = Type.Object(
  {
    type: Type.Literal('object'),
    properties: Type.Record(Type.String(), Type.Object({}, { additionalProperties: true })),
    required: Type.Optional(Type.Array(Type.String())),
  },
  {
    additionalProperties: true,
    description: 'A JSON Schema (2020-12) for the config of connections to this entry; compiled to check it',
  },
);

const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'The id or the slug' }),
});

const FlagView = <K extends string>(key: K) =>
  Type.Object({ id: Type.String(), [key]: Type.String(), updated_at: Type.String() });

const TestResultView = Type.Object({
  integration_id: Type.String(),
  test_result: Type.Enum(['success', 'failed']),
  message: Type.String(),
  details: Type.Object(
    {},
    {
      additionalProperties: true,
      description:
        'On success what the connector reports, and `provider_response_time_ms`; on failure `error_type` ' +
        '(auth_error, network_error, permission_error, rate_limited, provider_error), `http_status`, `provider_message`',
    },
  ),
  tested_at: Type.String(),
});

/**
 * Platform administration of the catalog (spec: integration-provider-api.md, super admin
 * endpoints, in this API's style). Platform actions are audited with no organisation.
 */
export const catalogAdminRoutes: ModuleRoutes = async (app, { ctx, catalog }) => {
  app.get(
    '/admin/integrations',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'List every catalog entry, whatever its status or audience',
        querystring: Type.Object(
          {
            category: Type.Optional(Category),
            status: Type.Optional(Status),
            audience: Type.Optional(Audience),
            ...pageQuery(),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(AdminIntegrationView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { page, per_page, ...filter } = request.query;
      const { rows, total } = await catalog.adminList(filter, { page, per_page });
      return paged(rows, { page, per_page }, total);
    },
  );

  app.post(
    '/admin/integrations',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'Register a catalog entry backed by a connector of this build',
        description:
          'For example a second HTTP source with its own `config_schema`. What is not given comes from the ' +
          'connector; `status` defaults to active (beta for a beta connector), `audience` to tenant. ' +
          "`capabilities` may only narrow the connector's. A taken slug answers 409 `SLUG_TAKEN`.",
        body: Type.Object(
          {
            connector: Type.String({
              minLength: 1,
              maxLength: 64,
              description: 'A connector slug of this build',
            }),
            slug: Type.String({
              minLength: 1,
              maxLength: 64,
              pattern: '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$',
            }),
            name: Name,
            short_description: ShortDescription,
            description: Type.Optional(Description),
            category: Type.Optional(Category),
            config_schema: Type.Optional(ConfigSchemaInput),
            capabilities: Type.Optional(Capabilities),
            tags: Type.Optional(Tags),
            status: Type.Optional(Status),
            audience: Type.Optional(Audience),
            icon_url: Type.Optional(IconUrl),
          },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(AdminIntegrationView), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const entry = await catalog.create(callerOf(request, ctx.clock), request.body);
      return reply.code(201).send({ data: entry });
    },
  );

  app.get(
    '/admin/integrations/:id',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'Get any catalog entry',
        params: IdParams,
        response: { 200: DataEnvelope(AdminIntegrationView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      return { data: await catalog.adminGet(request.params.id) };
    },
  );

  app.patch(
    '/admin/integrations/:id',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'Edit a catalog entry',
        description:
          'On a built-in entry (`is_builtin`), the next start rewrites what the code owns — name, descriptions, ' +
          'icon, tags, config_schema, capabilities — from the connector; its status and audience stay as set. ' +
          'Edits last on entries registered here.',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            short_description: Type.Optional(ShortDescription),
            description: Type.Optional(Description),
            icon_url: Type.Optional(IconUrl),
            tags: Type.Optional(Tags),
            config_schema: Type.Optional(ConfigSchemaInput),
            capabilities: Type.Optional(Capabilities),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(AdminIntegrationView), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const entry = await catalog.update(callerOf(request, ctx.clock), request.params.id, request.body);
      return { data: entry };
    },
  );

  app.delete(
    '/admin/integrations/:id',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'Delete a catalog entry registered here',
        description:
          '409 `INTEGRATION_IN_USE` while any organisation has a connection to it; 409 `INTEGRATION_BUILTIN` ' +
          'for a built-in entry, which would come back at the next start: disable or hide it instead.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalog.delete(callerOf(request, ctx.clock), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/admin/integrations/:id/status',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'Set the status of a catalog entry',
        description:
          'active and beta are offered to organisations; deprecated still reads but is no longer listed; ' +
          'disabled is hidden from them.',
        params: IdParams,
        body: Type.Object({ status: Status }, { additionalProperties: false }),
        response: { 200: DataEnvelope(FlagView('status')), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const entry = await catalog.setFlag(callerOf(request, ctx.clock), request.params.id, {
        status: request.body.status,
      });
      return { data: { id: entry.id, status: entry.status, updated_at: entry.updated_at } };
    },
  );

  app.patch(
    '/admin/integrations/:id/audience',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: 'Offer a catalog entry to organisations (tenant) or keep it to the platform (system)',
        params: IdParams,
        body: Type.Object({ audience: Audience }, { additionalProperties: false }),
        response: { 200: DataEnvelope(FlagView('audience')), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const entry = await catalog.setFlag(callerOf(request, ctx.clock), request.params.id, {
        audience: request.body.audience,
      });
      return { data: { id: entry.id, audience: entry.audience, updated_at: entry.updated_at } };
    },
  );

  app.post(
    '/admin/integrations/:id/test',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['catalog-admin'],
        summary: "Run the connector's credential test with a config, storing nothing",
        description:
          "`config` is validated against the entry's `config_schema` (400 naming each failing field). " +
          "The connector's requests go to `config.base_url` and are aborted after 15 s. A failed test " +
          'answers 200 with `test_result: "failed"`.',
        params: IdParams,
        body: Type.Object(
          { config: Type.Record(Type.String(), Type.Unknown()) },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(TestResultView), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const result = await catalog.test(callerOf(request, ctx.clock), request.params.id, request.body.config);
      return { data: result };
    },
  );
};

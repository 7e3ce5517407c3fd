import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { CATEGORIES } from '../../connectors/sdk.js';
import {
  DataEnvelope,
  errorResponses,
  FreeObject,
  Nullable,
  NullableTimestamp,
  PagedEnvelope,
  paged,
  pageQuery,
  sortQuery,
} from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { bodyOptional } from '../../platform/http/validation.js';
import { callerOf } from '../auth/guard.js';
import { DEFAULT_HEALTH_CHECK_INTERVAL_MINS, DEFAULT_SYNC_INTERVAL_MINS } from './service.js';
import { CONNECTION_SORTS, CONNECTION_STATUSES, HEALTHS } from './store.js';

const SyncStats = Nullable(
  Type.Record(Type.String(), Type.Number(), {
    description: 'items_synced, items_created, items_updated, items_failed',
  }),
);

const CommonFields = {
  id: Type.String(),
  definition_id: Type.String(),
  integration_name: Type.String(),
  integration_slug: Type.String(),
  integration_category: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  instance_label: Nullable(Type.String()),
  status: Type.String({ description: CONNECTION_STATUSES.join(' | ') }),
  health: Type.String({ description: HEALTHS.join(' | ') }),
  sync_enabled: Type.Boolean(),
  sync_interval_mins: Type.Integer(),
  last_sync_at: NullableTimestamp,
  last_sync_status: Nullable(Type.String()),
  last_sync_duration_ms: Nullable(Type.Integer()),
  last_sync_stats: SyncStats,
  last_health_check_at: NullableTimestamp,
  consecutive_failures: Type.Integer(),
  total_runs: Type.Integer(),
  successful_runs: Type.Integer(),
  failed_runs: Type.Integer(),
  tags: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
};

export const ConnectionItemView = Type.Object({
  ...CommonFields,
  integration_icon_url: Type.String(),
  success_rate_pct: Nullable(
    Type.Number({ description: 'successful_runs / total_runs in percent, one decimal; null before any run' }),
  ),
});

const DetailFields = {
  ...CommonFields,
  capabilities: Type.Array(Type.String()),
  config: FreeObject('The config; secret fields read "***masked***"'),
  sync_cron: Nullable(Type.String()),
  sync_timezone: Nullable(Type.String()),
  next_sync_at: NullableTimestamp,
  last_sync_error: Nullable(Type.String()),
  last_health_error: Nullable(Type.String()),
  health_check_interval_mins: Type.Integer(),
  created_by: Nullable(Type.String()),
  created_by_name: Nullable(Type.String()),
  metadata: FreeObject('What the provider reported about the account'),
};

export const ConnectionDetailView = Type.Object(DetailFields);

const CreatedView = Type.Object({ ...DetailFields, message: Type.String() });

const TestResultView = Type.Object({
  connection_id: Type.String(),
  test_result: Type.Enum(['success', 'failed']),
  message: Type.String(),
  details: FreeObject(
    'On success what the provider reported; on failure error_type, http_status and provider_message',
  ),
  status: Type.String(),
  health: Type.String(),
  tested_at: Type.String(),
});

const EnabledView = Type.Object({
  id: Type.String(),
  status: Type.String(),
  sync_enabled: Type.Boolean(),
  next_sync_at: Type.String(),
  message: Type.String(),
});

const DisabledView = Type.Object({
  id: Type.String(),
  status: Type.String(),
  sync_enabled: Type.Boolean(),
  message: Type.String(),
});

const Text = (maxLength: number) => Nullable(Type.String({ maxLength }));

const InputFields = {
  definition_id: Type.String({ format: 'uuid', description: 'An active integration of the catalog' }),
  name: Type.String({ minLength: 1, maxLength: 255, description: 'Unique in the organisation' }),
  description: Type.Optional(Text(2000)),
  instance_label: Type.Optional(Text(255)),
  config: Type.Record(Type.String(), Type.Unknown(), {
    maxProperties: 100,
    description: "Validated against the integration's config_schema",
  }),
  sync_enabled: Type.Optional(Type.Boolean({ default: true })),
  sync_interval_mins: Type.Optional(
    Type.Integer({ minimum: 5, maximum: 10080, description: `Default ${DEFAULT_SYNC_INTERVAL_MINS}` }),
  ),
  sync_cron: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Cron (five fields), read in sync_timezone; overrides the interval',
      }),
    ),
  ),
  sync_timezone: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'IANA zone of sync_cron (e.g. Europe/Paris); null is UTC',
      }),
    ),
  ),
  health_check_interval_mins: Type.Optional(
    Type.Integer({ minimum: 5, maximum: 1440, description: `Default ${DEFAULT_HEALTH_CHECK_INTERVAL_MINS}` }),
  ),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
};

/** The organisation's connections (spec: integration-engine-api.md §2). */
export const connectionRoutes: ModuleRoutes = async (app, { ctx, connections: service }) => {
  app.get(
    '/integration-connections',
    {
      config: { access: 'connections:read' },
      schema: {
        tags: ['connections'],
        summary: "List the organisation's connections",
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum([...CONNECTION_STATUSES])),
            health: Type.Optional(Type.Enum([...HEALTHS])),
            definition_id: Type.Optional(Type.String({ format: 'uuid' })),
            category: Type.Optional(Type.Enum([...CATEGORIES])),
            search: Type.Optional(
              Type.String({ maxLength: 200, description: 'Matches the name or the description' }),
            ),
            ...pageQuery(),
            ...sortQuery(CONNECTION_SORTS, { sort: 'name', order: 'asc' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(ConnectionItemView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { page, per_page, sort, order, ...filter } = request.query;
      const query = { page, per_page, sort, order };
      const { items, total } = await service.list(callerOf(request, ctx.clock), filter, query);
      return paged(items, query, total);
    },
  );

  app.post(
    '/integration-connections',
    {
      config: { access: 'connections:create' },
      schema: {
        tags: ['connections'],
        summary: 'Create a connection',
        description:
          'Starts in `pending_setup` with health `unknown`; test it, then enable it. Secret config ' +
          'fields are encrypted at rest and read back as "***masked***".',
        body: Type.Object(
          {
            ...InputFields,
            // Required here, optional in PUT.
            definition_id: InputFields.definition_id,
            name: InputFields.name,
            config: InputFields.config,
          },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(CreatedView), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const created = await service.create(callerOf(request, ctx.clock), request.body);
      return reply.code(201).send({ data: created });
    },
  );

  app.get(
    '/integration-connections/:id',
    {
      config: { access: 'connections:read' },
      schema: {
        tags: ['connections'],
        summary: 'Get a connection, its config with secrets masked',
        params: IdParams,
        response: { 200: DataEnvelope(ConnectionDetailView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ data: await service.get(callerOf(request, ctx.clock), request.params.id) }),
  );

  app.put(
    '/integration-connections/:id',
    {
      config: { access: 'connections:update' },
      schema: {
        tags: ['connections'],
        summary: 'Update a connection',
        description:
          '`config` is merged into the stored one (send only what changes; `null` removes a field); a ' +
          'secret sent as "***masked***" keeps its stored value. `definition_id` cannot change.',
        params: IdParams,
        body: Type.Object(
          {
            ...InputFields,
            definition_id: Type.Optional(InputFields.definition_id),
            name: Type.Optional(InputFields.name),
            config: Type.Optional(InputFields.config),
          },
          { additionalProperties: false },
        ),
        response: {
          200: DataEnvelope(ConnectionDetailView),
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request) => {
      const updated = await service.update(callerOf(request, ctx.clock), request.params.id, request.body);
      return { data: updated };
    },
  );

  app.delete(
    '/integration-connections/:id',
    {
      config: { access: 'connections:delete' },
      schema: {
        tags: ['connections'],
        summary: 'Delete a connection',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await service.delete(callerOf(request, ctx.clock), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/integration-connections/:id/test',
    {
      config: { access: 'sync:trigger' },
      schema: {
        tags: ['connections'],
        summary: "Test the connection's credentials against the provider",
        description:
          'A failed test answers 200 with `test_result: "failed"`, sets status `error` and health ' +
          '`unhealthy`. A passing test moves `pending_setup` to `configuring` and health to `healthy`.',
        params: IdParams,
        response: { 200: DataEnvelope(TestResultView), ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const result = await service.test(callerOf(request, ctx.clock), request.params.id);
      return { data: result };
    },
  );

  app.post(
    '/integration-connections/:id/enable',
    {
      config: { access: 'connections:update' },
      schema: {
        tags: ['connections'],
        summary: 'Enable a connection and schedule its syncs',
        description: 'Requires a test that has passed at least once.',
        params: IdParams,
        response: { 200: DataEnvelope(EnabledView), ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const result = await service.enable(callerOf(request, ctx.clock), request.params.id);
      return { data: result };
    },
  );

  app.post(
    '/integration-connections/:id/disable',
    {
      config: { access: 'connections:update' },
      schema: {
        tags: ['connections'],
        summary: 'Disable a connection: syncs and health checks stop, data stays',
        params: IdParams,
        body: Type.Object(
          { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(DisabledView), ...errorResponses(400, 401, 403, 404, 409) },
      },
      preValidation: bodyOptional,
    },
    async (request) => {
      const result = await service.disable(
        callerOf(request, ctx.clock),
        request.params.id,
        request.body.reason,
      );
      return { data: result };
    },
  );
};

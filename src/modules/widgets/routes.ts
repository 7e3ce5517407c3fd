import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import {
  DataEnvelope,
  errorResponses,
  FreeObject,
  Nullable,
  NullableTimestamp,
} from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import { parseFields, parseFilters } from './query.js';

const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Most items to return' });

const StatusView = Type.Object({
  connection_id: Type.String(),
  name: Type.String(),
  status: Type.String({
    description:
      'pending: created or configuring, not yet enabled; connected: connected or syncing; error; disabled',
  }),
  connection_status: Nullable(
    Type.String({
      description: 'The credential: active | expired | revoked | error; null when none was ever set',
    }),
  ),
  last_connected_at: Nullable(
    Type.String({
      description: 'When the credential was last set and proven (connect flow, OAuth grant or refresh)',
    }),
  ),
  last_sync_at: NullableTimestamp,
  error: Nullable(
    Type.String({
      description:
        'What is wrong: the credential’s error, else the last sync’s when it failed, else the health ' +
        'check’s when unhealthy; null when nothing is',
    }),
  ),
});

const ActivityView = Type.Object({
  activities: Type.Array(
    Type.Object({
      id: Type.String({
        description: 'The run’s id (sync) or the audit entry’s (test, connect, disconnect)',
      }),
      type: Type.String({ description: 'sync | test | connect | disconnect' }),
      status: Type.String({
        description:
          'sync: running while pending or running, success when completed or partial, failed when failed ' +
          'or cancelled; test and connect: as their outcome; disconnect: success',
      }),
      timestamp: Type.String({
        description: 'A sync’s start (its queueing before it starts); the others’ time',
      }),
      details: FreeObject(
        'sync: run_status, trigger, completed_at, duration_ms, items_synced, error_message; the others: ' +
          'action (the audit action), actor_type, actor_name',
      ),
    }),
    { description: 'Newest first, at most `limit`' },
  ),
  total: Type.Integer({ minimum: 0, description: 'Activities in the range in all' }),
});

const RecordsView = Type.Object({
  data: Type.Array(FreeObject('A stored record, projected to `fields` when given')),
  total: Type.Integer({ minimum: 0, description: 'Records matching in all' }),
  entity: Type.String(),
  fetched_at: Type.String({
    description: 'When the records were read (they are what the last syncs stored)',
  }),
});

const access = 'preview:read';

/**
 * A connection's dashboard widgets (integration-provider-api.md, "Widget Data Endpoints"), in the
 * engine's style. Integration data, read as previews are: `preview:read`.
 */
export const widgetRoutes: ModuleRoutes = async (app, { ctx, widgets }) => {
  const { clock } = ctx;

  app.get(
    '/integration-connections/:id/widgets/status',
    {
      config: { access },
      schema: {
        tags: ['widgets'],
        summary: "The connection's status, for a status widget",
        params: IdParams,
        response: { 200: DataEnvelope(StatusView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ data: await widgets.status(callerOf(request, clock), request.params.id) }),
  );

  app.get(
    '/integration-connections/:id/widgets/activity',
    {
      config: { access },
      schema: {
        tags: ['widgets'],
        summary: "The connection's recent syncs, tests, connects and disconnects",
        params: IdParams,
        querystring: Type.Object(
          {
            time_range: Type.Union(
              [Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d')],
              { default: '24h', description: 'How far back from now' },
            ),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(ActivityView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      data: await widgets.activity(
        callerOf(request, clock),
        request.params.id,
        request.query.time_range,
        request.query.limit,
      ),
    }),
  );

  app.get(
    '/integration-connections/:id/widgets/data',
    {
      config: { access },
      schema: {
        tags: ['widgets'],
        summary: "The connection's stored records of one entity, for a data widget",
        description:
          'Read from what the syncs stored (deleted records left out), never from the provider, in external ' +
          'id order. `filters` is a JSON object whose every top-level field a record must equal (JSON ' +
          'equality: `1` is not `"1"`; null matches a field that is null, not one that is absent).',
        params: IdParams,
        querystring: Type.Object(
          {
            entity: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. users' }),
            fields: Type.Optional(
              Type.Array(Type.String({ maxLength: 1000 }), {
                maxItems: 100,
                description:
                  'Top-level fields to return, repeated or comma-separated; every field when absent',
              }),
            ),
            filters: Type.Optional(
              Type.String({ maxLength: 4000, description: 'JSON, e.g. {"status":"active","is_admin":true}' }),
            ),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(RecordsView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { entity, limit } = request.query;
      const fields = parseFields(request.query.fields);
      return {
        data: await widgets.data(callerOf(request, clock), request.params.id, {
          entity,
          ...(fields ? { fields } : {}),
          filters: parseFilters(request.query.filters),
          limit,
        }),
      };
    },
  );
};

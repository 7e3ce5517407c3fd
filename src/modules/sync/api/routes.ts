import Type from 'typebox';
import type { ModuleRoutes } from '../../../app.js';
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
} from '../../../platform/http/envelope.js';
import { IdParams, PathId } from '../../../platform/http/params.js';
import { bodyOptional } from '../../../platform/http/validation.js';
import { callerOf } from '../../auth/guard.js';
import { LOG_LEVELS, RUN_SORTS, RUN_STATUSES, TRIGGERS } from '../model.js';

const Stats = Type.Object({
  items_synced: Type.Integer(),
  items_created: Type.Integer(),
  items_updated: Type.Integer(),
  items_deleted: Type.Integer(),
  items_failed: Type.Integer(),
  items_skipped: Type.Integer(),
  evidence_collected: Type.Integer(),
  bytes_transferred: Type.Integer(),
});

const RunFields = {
  id: Type.String(),
  connection_id: Type.String(),
  trigger: Type.String({ description: TRIGGERS.join(' | ') }),
  triggered_by: Nullable(Type.String()),
  triggered_by_name: Nullable(Type.String()),
  status: Type.String({ description: RUN_STATUSES.join(' | ') }),
  full_sync: Type.Boolean(),
  queued_at: Type.String(),
  started_at: NullableTimestamp,
  completed_at: NullableTimestamp,
  duration_ms: Nullable(Type.Integer()),
  stats: Stats,
  error_message: Nullable(Type.String()),
  retry_count: Type.Integer(),
  created_at: Type.String(),
};

const RunItemView = Type.Object({
  ...RunFields,
  log_counts: Type.Object({ info: Type.Integer(), warn: Type.Integer(), error: Type.Integer() }),
});

const RunDetailView = Type.Object({
  ...RunFields,
  connection_name: Type.String(),
  integration_name: Type.String(),
  scheduled_for: NullableTimestamp,
  next_attempt_at: Nullable(Type.String({ description: 'When a run waiting out a retry backoff is due' })),
  error_class: Nullable(Type.String({ description: 'transient | authentication | validation | permanent' })),
  error_details: Type.Object({
    failed_items: Type.Array(Type.Object({ item: Type.String(), error: Type.String() })),
  }),
  max_retries: Type.Integer(),
  config_snapshot: FreeObject('The connection config when the run was queued, without secrets'),
  log_counts: Type.Object({
    debug: Type.Integer(),
    info: Type.Integer(),
    warn: Type.Integer(),
    error: Type.Integer(),
  }),
  updated_at: Type.String(),
});

const LogView = Type.Object({
  id: Type.String(),
  level: Type.String({ description: LOG_LEVELS.join(' | ') }),
  message: Type.String(),
  details: FreeObject('Structured context; `{}` when there is none'),
  source: Nullable(Type.String()),
  item_ref: Nullable(Type.String()),
  created_at: Type.String(),
});

const EvidenceFields = {
  id: Type.String(),
  connection_id: Type.String(),
  run_id: Type.String({ description: 'The run that collected it' }),
  kind: Type.String({ description: 'What it is evidence of, e.g. `mfa_enrollment`' }),
  summary: Type.String(),
  content_hash: Type.String({ description: 'SHA-256 of its data, hex: the same content, the same hash' }),
  collected_at: Type.String(),
};

const EvidenceParams = Type.Object({ id: PathId, eid: PathId });

const RunParams = Type.Object({
  id: PathId,
  rid: PathId,
});

/** Sync execution and run history (spec: integration-engine-api.md §3). */
export const syncRoutes: ModuleRoutes = async (app, { ctx, sync, previews, evidence }) => {
  app.get(
    '/integration-connections/:id/preview',
    {
      config: { access: 'preview:read' },
      schema: {
        tags: ['sync'],
        summary: "A preview of the connection's data (endpoint #25)",
        description:
          "The connector's summary of the records its last completed (or partial) sync stored; the shape " +
          'depends on the provider (spec §7: Okta, GitHub, AWS Config…). Never calls the provider. 422 ' +
          'before the first sync completes.',
        params: IdParams,
        response: {
          200: DataEnvelope(
            Type.Object({
              provider: Type.String(),
              preview: FreeObject("The provider's preview, as the spec shows for each"),
              last_synced_at: Type.String(),
            }),
          ),
          ...errorResponses(401, 403, 404, 422),
        },
      },
    },
    async (request) => ({
      data: await previews.preview(callerOf(request, ctx.clock), request.params.id),
    }),
  );

  app.get(
    '/integration-connections/:id/evidence',
    {
      config: { access: 'preview:read' },
      schema: {
        tags: ['sync'],
        summary: 'The evidence its syncs collected, newest first',
        description: 'Snapshots of controls (MFA enrollment, non-compliant rules…), without their data.',
        params: IdParams,
        querystring: Type.Object(
          {
            kind: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            run_id: Type.Optional(PathId),
            ...pageQuery(),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(Type.Object(EvidenceFields)), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { page, per_page, ...filter } = request.query;
      const query = { page, per_page };
      const { items, total } = await evidence.list(
        callerOf(request, ctx.clock),
        request.params.id,
        filter,
        query,
      );
      return paged(items, query, total);
    },
  );

  app.get(
    '/integration-connections/:id/evidence/:eid',
    {
      config: { access: 'preview:read' },
      schema: {
        tags: ['sync'],
        summary: 'One evidence item with its data',
        params: EvidenceParams,
        response: {
          200: DataEnvelope(
            Type.Object({
              ...EvidenceFields,
              data: FreeObject('The snapshot, as the connector collected it'),
            }),
          ),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({
      data: await evidence.get(callerOf(request, ctx.clock), request.params.id, request.params.eid),
    }),
  );

  app.post(
    '/integration-connections/:id/sync',
    {
      config: { access: 'sync:trigger' },
      schema: {
        tags: ['sync'],
        summary: 'Trigger a manual sync',
        description:
          'Queues a run (202). 409 while a run is pending or running; 422 unless the connection is `connected`.',
        params: IdParams,
        body: Type.Object(
          {
            full_sync: Type.Optional(
              Type.Boolean({ default: false, description: 'Re-sync everything, detecting deletes' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          202: DataEnvelope(
            Type.Object({
              run_id: Type.String(),
              connection_id: Type.String(),
              trigger: Type.String(),
              status: Type.String(),
              message: Type.String(),
            }),
          ),
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) => {
      const queued = await sync.trigger(
        callerOf(request, ctx.clock),
        request.params.id,
        request.body.full_sync ?? false,
      );
      return reply.code(202).send({ data: queued });
    },
  );

  app.get(
    '/integration-connections/:id/runs',
    {
      config: { access: 'runs:read' },
      schema: {
        tags: ['sync'],
        summary: "List a connection's sync runs",
        params: IdParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum([...RUN_STATUSES])),
            trigger: Type.Optional(Type.Enum([...TRIGGERS])),
            ...pageQuery(),
            ...sortQuery(RUN_SORTS, { sort: 'created_at', order: 'desc' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(RunItemView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { page, per_page, sort, order, ...filter } = request.query;
      const query = { page, per_page, sort, order };
      const { items, total } = await sync.list(
        callerOf(request, ctx.clock),
        request.params.id,
        filter,
        query,
      );
      return paged(items, query, total);
    },
  );

  app.get(
    '/integration-connections/:id/runs/:rid',
    {
      config: { access: 'runs:read' },
      schema: {
        tags: ['sync'],
        summary: 'A run in full: stats, failed items, config snapshot, log counts',
        params: RunParams,
        response: { 200: DataEnvelope(RunDetailView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      data: await sync.get(callerOf(request, ctx.clock), request.params.id, request.params.rid),
    }),
  );

  app.post(
    '/integration-connections/:id/runs/:rid/cancel',
    {
      config: { access: 'sync:trigger' },
      schema: {
        tags: ['sync'],
        summary: 'Cancel a pending or running sync',
        description: 'Records written before the cancel stay. 409 when the run has already ended.',
        params: RunParams,
        response: {
          200: DataEnvelope(
            Type.Object({ id: Type.String(), status: Type.String(), message: Type.String() }),
          ),
          ...errorResponses(401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      return { data: await sync.cancel(callerOf(request, ctx.clock), request.params.id, request.params.rid) };
    },
  );

  app.get(
    '/integration-connections/:id/runs/:rid/logs',
    {
      config: { access: 'runs:read' },
      schema: {
        tags: ['sync'],
        summary: "A run's structured log, oldest first",
        params: RunParams,
        querystring: Type.Object(
          {
            level: Type.Optional(Type.Enum([...LOG_LEVELS])),
            search: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'Matches the message' }),
            ),
            ...pageQuery({ defaultPerPage: 50, maxPerPage: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(LogView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { page, per_page, ...filter } = request.query;
      const query = { page, per_page };
      const { rows, total } = await sync.logs(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.rid,
        filter,
        query,
      );
      return paged(rows, query, total);
    },
  );
};

import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses, Nullable, NullableTimestamp } from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import { CONNECTION_STATUSES, HEALTHS } from '../connections/store.js';
import { RUN_STATUSES } from '../sync/model.js';

const Rate = Nullable(
  Type.Number({ description: 'Successful (completed or partial) of finished runs, percent; null if none' }),
);

const HealthReportView = Type.Object({
  connection_id: Type.String(),
  connection_name: Type.String(),
  integration_name: Type.String(),
  status: Type.String({ description: CONNECTION_STATUSES.join(' | ') }),
  health: Type.String({ description: HEALTHS.join(' | ') }),
  last_health_check_at: NullableTimestamp,
  last_health_error: Nullable(Type.String()),
  consecutive_failures: Type.Integer(),
  health_check_interval_mins: Type.Integer(),
  next_health_check_at: Nullable(
    Type.String({ description: 'null while the connection is not enabled (no scheduled checks)' }),
  ),
  sync_state: Type.Object({
    sync_enabled: Type.Boolean(),
    last_sync_at: NullableTimestamp,
    last_sync_status: Nullable(Type.String()),
    next_sync_at: NullableTimestamp,
  }),
  recent_runs: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.String({ description: RUN_STATUSES.join(' | ') }),
      started_at: NullableTimestamp,
      duration_ms: Nullable(Type.Integer()),
    }),
    { description: 'The latest five runs, newest first' },
  ),
  uptime: Type.Object({
    last_24h_success_rate: Rate,
    last_7d_success_rate: Rate,
    last_30d_success_rate: Rate,
  }),
});

const HealthCheckView = Type.Object({
  connection_id: Type.String(),
  health: Type.String({ description: HEALTHS.join(' | ') }),
  check_result: Type.Enum(['success', 'failure']),
  response_time_ms: Type.Integer(),
  message: Type.String(),
  checked_at: Type.String(),
});

/** Connection health (spec: integration-engine-api.md §4). */
export const healthRoutes: ModuleRoutes = async (app, { ctx, health: service }) => {
  app.get(
    '/integration-connections/:id/health',
    {
      config: { access: 'runs:read' },
      schema: {
        tags: ['health'],
        summary: "A connection's health, sync state, latest runs and uptime",
        description:
          'Uptime rates count runs that finished in each window: completed and partial succeed, ' +
          'failed fail; cancelled and unfinished runs are left out.',
        params: IdParams,
        response: { 200: DataEnvelope(HealthReportView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      data: await service.report(callerOf(request, ctx.clock), request.params.id),
    }),
  );

  app.post(
    '/integration-connections/:id/health-check',
    {
      config: { access: 'sync:trigger' },
      schema: {
        tags: ['health'],
        summary: 'Run a health check now (credentials and connectivity)',
        description:
          'A failed check answers 200 with `check_result: "failure"`. Success resets ' +
          '`consecutive_failures`; each failure raises it, and health follows: healthy at 0, then ' +
          'degraded, then unhealthy (thresholds in config).',
        params: IdParams,
        response: { 200: DataEnvelope(HealthCheckView), ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const result = await service.check(callerOf(request, ctx.clock), request.params.id);
      return { data: result };
    },
  );
};

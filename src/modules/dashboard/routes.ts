import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { CATEGORIES } from '../../connectors/sdk.js';
import { DataEnvelope, errorResponses, Nullable, NullableTimestamp } from '../../platform/http/envelope.js';
import { PathId } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import { CONNECTION_STATUSES, HEALTHS } from '../connections/store.js';
import { RUN_STATUSES } from '../sync/model.js';

const Count = Type.Integer({ minimum: 0 });
const Rate = (window: string) =>
  Nullable(
    Type.Number({
      description:
        `Completed or partial runs of those that completed, partially completed or failed in the last ${window}, ` +
        'in percent with one decimal; null (not 0) when none did. Cancelled runs count in no rate.',
    }),
  );

const DashboardView = Type.Object({
  summary: Type.Object({
    total_connections: Count,
    connected: Type.Integer({ minimum: 0, description: 'Connections connected or syncing now' }),
    healthy: Count,
    degraded: Count,
    unhealthy: Count,
    disabled: Count,
    total_runs_24h: Type.Integer({ minimum: 0, description: 'Runs started in the last 24 hours' }),
    successful_runs_24h: Type.Integer({
      minimum: 0,
      description: 'Runs completed (or partially completed) in the last 24 hours',
    }),
    failed_runs_24h: Type.Integer({ minimum: 0, description: 'Runs failed in the last 24 hours' }),
    success_rate_24h: Rate('24 hours'),
    total_items_synced_24h: Type.Integer({
      minimum: 0,
      description: 'Items synced by the runs that ended in the last 24 hours',
    }),
    total_webhooks_received_24h: Type.Integer({
      minimum: 0,
      description: 'Deliveries received by the org’s webhooks in the last 24 hours, duplicates included',
    }),
  }),
  connections: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      integration_name: Type.String(),
      integration_icon_url: Type.String(),
      category: Type.String(),
      status: Type.String({ description: CONNECTION_STATUSES.join(' | ') }),
      health: Type.String({ description: HEALTHS.join(' | ') }),
      last_sync_at: NullableTimestamp,
      last_sync_status: Nullable(Type.String({ description: RUN_STATUSES.join(' | ') })),
      next_sync_at: NullableTimestamp,
      success_rate_7d: Rate('7 days'),
      items_synced_24h: Count,
    }),
    { description: 'Every connection of the organisation, by name' },
  ),
  recent_failures: Type.Array(
    Type.Object({
      run_id: Type.String(),
      connection_name: Type.String(),
      integration_name: Type.String(),
      status: Type.String(),
      error_message: Nullable(Type.String()),
      failed_at: Type.String(),
    }),
    { description: 'The latest ten runs that failed in the last 24 hours, newest first' },
  ),
  data_freshness: Type.Object(
    {
      fresh: Count,
      stale: Count,
      stale_connections: Type.Array(
        Type.Object({
          connection_id: Type.String(),
          connection_name: Type.String(),
          integration_name: Type.String(),
          last_sync_at: NullableTimestamp,
          expected_interval_mins: Type.Integer({
            minimum: 1,
            description: "The interval, or a cron's longest gap between syncs over the coming week",
          }),
        }),
      ),
    },
    {
      description:
        'Over connections meant to sync (sync enabled; connected, syncing or in error): stale when no run ' +
        'completed (or partially completed) within twice the expected interval, or none ever did',
    },
  ),
  category_coverage: Type.Record(
    Type.String({ description: CATEGORIES.join(' | ') }),
    Type.Object({
      available: Type.Integer({ minimum: 0, description: 'Catalog entries offered in the category' }),
      connected: Type.Integer({
        minimum: 0,
        description: 'Of those, the entries the organisation has a connected (or syncing) connection to',
      }),
    }),
    { description: 'Every catalog category' },
  ),
});

const ActivityCounts = {
  runs_started: Type.Integer({ minimum: 0, description: 'Runs that started in the hour' }),
  runs_completed: Type.Integer({ minimum: 0, description: 'Runs that completed (or partially) in the hour' }),
  runs_failed: Type.Integer({ minimum: 0, description: 'Runs that failed in the hour' }),
  items_synced: Type.Integer({ minimum: 0, description: 'Items synced by the runs that ended in the hour' }),
  webhooks_received: Type.Integer({ minimum: 0, description: 'Webhook deliveries received in the hour' }),
};

const SyncActivityView = Type.Object({
  timeline: Type.Array(
    Type.Object({
      hour: Type.String({ description: 'The UTC hour the bucket starts at' }),
      ...ActivityCounts,
    }),
    { description: 'One bucket per hour, the current hour first; hours with no activity included' },
  ),
  totals: Type.Object(ActivityCounts),
});

/** The integration dashboard (spec: integration-engine-api.md §6). */
export const dashboardRoutes: ModuleRoutes = async (app, { dashboard, ctx }) => {
  const { clock } = ctx;

  app.get(
    '/integrations/dashboard',
    {
      config: { access: 'dashboard:read' },
      schema: {
        tags: ['dashboard'],
        summary: "The organisation's connections, their health, sync activity and data freshness",
        description:
          'Windows end now and reach back 24 hours (7 days for `success_rate_7d`). Runs count as started by ' +
          'their start, as succeeded (completed or partial) or failed by their end. Rates are null, not 0, ' +
          'when no run ended in the window.',
        response: { 200: DataEnvelope(DashboardView), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ data: await dashboard.overview(callerOf(request, clock)) }),
  );

  app.get(
    '/integrations/dashboard/sync-activity',
    {
      config: { access: 'dashboard:read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Sync activity by hour, for activity charts',
        description:
          'The last `hours` UTC hours, the current one included, newest first; an hour with no activity ' +
          'reads zeros. Another organisation’s connection answers 404.',
        querystring: Type.Object(
          {
            hours: Type.Integer({ minimum: 1, maximum: 168, default: 24, description: 'Hours to look back' }),
            connection_id: Type.Optional(PathId),
          },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(SyncActivityView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      data: await dashboard.syncActivity(
        callerOf(request, clock),
        request.query.hours,
        request.query.connection_id,
      ),
    }),
  );
};

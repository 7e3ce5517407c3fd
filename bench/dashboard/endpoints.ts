// The endpoints bench/dashboard loads, each with the reads its service makes for one request: the
// same storage functions with the same windows as DashboardService (src/modules/dashboard/service.ts),
// so the floor runs the SQL the endpoint runs. Each endpoint also says what its answer must then
// hold, and the bench checks it against an HTTP answer first: a drift between these windows and the
// service's fails the bench instead of measuring the wrong SQL.
import { categoryCoverage } from '../../src/modules/catalog/store.js';
import { dashboardConnections, findConnection, LIVE_STATUSES } from '../../src/modules/connections/store.js';
import { expectedIntervalMins } from '../../src/modules/dashboard/freshness.js';
import {
  connectionRunFigures,
  failedRuns,
  runsFinishedByHour,
  runsStartedByHour,
  runTotals,
} from '../../src/modules/sync/storage/activity.js';
import { countReceived, receivedByHour } from '../../src/modules/webhooks/storage/events.js';
import type { Capture, Reads } from './capture.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** DashboardService's RECENT_FAILURES. */
const RECENT_FAILURES = 10;

/** Numbers the answer must show, by where they are in it. */
export type Expected = Record<string, number>;

export interface Endpoint {
  name: string;
  /** Under /api/v1. */
  url: string;
  /** The reads of one request answered at `now`, and what that answer must show. */
  reads(capture: Capture, orgId: string, now: Date): Promise<{ reads: Reads; expected: Expected }>;
  /** The same figures, as the answer shows them. */
  shown(body: unknown): Expected;
}

const ago = (now: Date, ms: number) => new Date(now.getTime() - ms).toISOString();

interface DashboardBody {
  data: {
    summary: Record<string, number>;
    connections: { items_synced_24h: number }[];
    recent_failures: { run_id: string }[];
    data_freshness: { fresh: number; stale: number };
  };
}

const overview: Endpoint = {
  name: 'GET /integrations/dashboard',
  url: '/integrations/dashboard',
  async reads(capture, orgId, now) {
    const until = now.toISOString();
    const day = { orgId, since: ago(now, DAY_MS), until };
    const connections = await capture.read('connections (dashboardConnections)', (db) =>
      dashboardConnections(db, orgId),
    );
    const rows = connections.value;
    const expectedToSync: readonly string[] = [...LIVE_STATUSES, 'error'];
    const intervals = rows
      .filter((row) => row.sync_enabled && expectedToSync.includes(row.status))
      .map((row) => expectedIntervalMins(row, now));
    const longest = Math.max(0, ...intervals);
    const totals = await capture.read('24 h totals (runTotals)', (db) => runTotals(db, day));
    const webhooks = await capture.read('24 h webhooks (countReceived)', (db) => countReceived(db, day));
    const figures = await capture.read('per connection (connectionRunFigures)', (db) =>
      connectionRunFigures(db, orgId, {
        rateSince: ago(now, 7 * DAY_MS),
        itemsSince: day.since,
        successSince: ago(now, 2 * longest * 60_000),
        until,
      }),
    );
    const failures = await capture.read('recent failures (failedRuns)', (db) =>
      failedRuns(db, day, RECENT_FAILURES),
    );
    const coverage = await capture.read('categories (categoryCoverage)', (db) => categoryCoverage(db, orgId));
    return {
      reads: [[connections.read], [totals.read, webhooks.read, figures.read, failures.read, coverage.read]],
      expected: {
        'summary.total_connections': rows.length,
        'summary.total_runs_24h': totals.value.runs_started,
        'summary.successful_runs_24h': totals.value.runs_completed,
        'summary.failed_runs_24h': totals.value.runs_failed,
        'summary.total_items_synced_24h': totals.value.items_synced,
        'summary.total_webhooks_received_24h': webhooks.value,
        'connections[].items_synced_24h': figures.value.reduce((sum, f) => sum + f.items_synced, 0),
        'recent_failures.length': failures.value.length,
        'data_freshness (fresh + stale)': intervals.length,
      },
    };
  },
  shown(body) {
    const { data } = body as DashboardBody;
    return {
      'summary.total_connections': data.summary.total_connections!,
      'summary.total_runs_24h': data.summary.total_runs_24h!,
      'summary.successful_runs_24h': data.summary.successful_runs_24h!,
      'summary.failed_runs_24h': data.summary.failed_runs_24h!,
      'summary.total_items_synced_24h': data.summary.total_items_synced_24h!,
      'summary.total_webhooks_received_24h': data.summary.total_webhooks_received_24h!,
      'connections[].items_synced_24h': data.connections.reduce((sum, c) => sum + c.items_synced_24h, 0),
      'recent_failures.length': data.recent_failures.length,
      'data_freshness (fresh + stale)': data.data_freshness.fresh + data.data_freshness.stale,
    };
  },
};

const ACTIVITY_FIELDS = [
  'runs_started',
  'runs_completed',
  'runs_failed',
  'items_synced',
  'webhooks_received',
];

function activity(hours: number | undefined, connectionId?: string): Endpoint {
  const query = new URLSearchParams();
  if (hours !== undefined) query.set('hours', String(hours));
  if (connectionId !== undefined) query.set('connection_id', connectionId);
  const span = hours ?? 24;
  return {
    name: `GET /integrations/dashboard/sync-activity${query.size > 0 ? `?${query}` : ''}`.replace(
      connectionId ?? '\u0000',
      '<one connection>',
    ),
    url: `/integrations/dashboard/sync-activity${query.size > 0 ? `?${query}` : ''}`,
    async reads(capture, orgId, now) {
      const first: Reads[number] = [];
      if (connectionId !== undefined) {
        const found = await capture.read('the connection (findConnection)', (db) =>
          findConnection(db, orgId, connectionId),
        );
        if (!found.value) throw new Error(`connection ${connectionId} is not the org's`);
        first.push(found.read);
      }
      const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
      const window = {
        orgId,
        ...(connectionId !== undefined ? { connectionId } : {}),
        since: new Date(current - (span - 1) * HOUR_MS).toISOString(),
        until: now.toISOString(),
      };
      const started = await capture.read('started by hour (runsStartedByHour)', (db) =>
        runsStartedByHour(db, window),
      );
      const finished = await capture.read('finished by hour (runsFinishedByHour)', (db) =>
        runsFinishedByHour(db, window),
      );
      const received = await capture.read('webhooks by hour (receivedByHour)', (db) =>
        receivedByHour(db, window),
      );
      const sum = <T>(rows: T[], field: (row: T) => unknown) =>
        rows.reduce((total, row) => total + Number(field(row) ?? 0), 0);
      return {
        reads: [...(first.length > 0 ? [first] : []), [started.read, finished.read, received.read]],
        expected: {
          'timeline.length': span,
          'totals.runs_started': sum(started.value, (r) => r.runs_started),
          'totals.runs_completed': sum(finished.value, (r) => r.runs_completed),
          'totals.runs_failed': sum(finished.value, (r) => r.runs_failed),
          'totals.items_synced': sum(finished.value, (r) => r.items_synced),
          'totals.webhooks_received': sum(received.value, (r) => r.webhooks_received),
        },
      };
    },
    shown(body) {
      const { data } = body as { data: { timeline: unknown[]; totals: Record<string, number> } };
      return {
        'timeline.length': data.timeline.length,
        ...Object.fromEntries(ACTIVITY_FIELDS.map((f) => [`totals.${f}`, data.totals[f]!])),
      };
    },
  };
}

/** The endpoints measured; `busiest` is a connection of the org to chart alone. */
export function endpoints(busiest: string): Endpoint[] {
  return [overview, activity(undefined), activity(168), activity(168, busiest)];
}

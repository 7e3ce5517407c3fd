import { CATEGORIES } from '../../connectors/sdk.js';
import type { Db } from '../../platform/db/database.js';
import type { Caller } from '../auth/principal.js';
import { categoryCoverage } from '../catalog/store.js';
import type { ConnectionService } from '../connections/service.js';
import { dashboardConnections, LIVE_STATUSES } from '../connections/store.js';
import {
  connectionRunFigures,
  failedRuns,
  runsFinishedByHour,
  runsStartedByHour,
  runTotals,
} from '../sync/storage/activity.js';
import { countReceived, receivedByHour } from '../webhooks/storage/events.js';
import { expectedIntervalMins, isStale } from './freshness.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How many of the last 24 hours' failed runs the dashboard lists. */
const RECENT_FAILURES = 10;

/** Successes of counted runs, in percent with one decimal; null when no run counts (not 0). */
export function successRate(succeeded: number, counted: number): number | null {
  return counted === 0 ? null : Math.round((succeeded / counted) * 1000) / 10;
}

const ago = (now: Date, ms: number) => new Date(now.getTime() - ms).toISOString();

/** Whether a connection is meant to be syncing: enabled, scheduled, or failing where it should sync. */
const EXPECTED_TO_SYNC: readonly string[] = [...LIVE_STATUSES, 'error'];

/**
 * The org's integration dashboard and sync-activity timeline (spec: integration-engine-api.md §6).
 * Reads other modules' tables through their storage functions; owns none.
 */
export class DashboardService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
  ) {}

  async overview({ orgId, now }: Caller) {
    const until = now.toISOString();
    const day = { orgId, since: ago(now, DAY_MS), until };
    const rows = await dashboardConnections(this.db, orgId);
    const expected = new Map(
      rows
        .filter((row) => row.sync_enabled && EXPECTED_TO_SYNC.includes(row.status))
        .map((row) => [row.id, expectedIntervalMins(row, now)]),
    );
    // Successes older than twice the longest expected interval cannot make anything fresh.
    const longest = Math.max(0, ...expected.values());
    const [totals, webhooks, figures, failures, coverage] = await Promise.all([
      runTotals(this.db, day),
      countReceived(this.db, day),
      connectionRunFigures(this.db, orgId, {
        rateSince: ago(now, 7 * DAY_MS),
        itemsSince: day.since,
        successSince: ago(now, 2 * longest * 60_000),
        until,
      }),
      failedRuns(this.db, day, RECENT_FAILURES),
      categoryCoverage(this.db, orgId),
    ]);
    const byConnection = new Map(figures.map((figure) => [figure.connection_id, figure]));
    const byId = new Map(rows.map((row) => [row.id, row]));
    const count = (test: (row: (typeof rows)[number]) => boolean) => rows.filter(test).length;
    const stale = rows.filter((row) => {
      const interval = expected.get(row.id);
      return (
        interval !== undefined && isStale(byConnection.get(row.id)?.last_success_at ?? null, interval, now)
      );
    });
    return {
      summary: {
        total_connections: rows.length,
        connected: count((row) => (LIVE_STATUSES as readonly string[]).includes(row.status)),
        healthy: count((row) => row.health === 'healthy'),
        degraded: count((row) => row.health === 'degraded'),
        unhealthy: count((row) => row.health === 'unhealthy'),
        disabled: count((row) => row.status === 'disabled'),
        total_runs_24h: totals.runs_started,
        successful_runs_24h: totals.runs_completed,
        failed_runs_24h: totals.runs_failed,
        success_rate_24h: successRate(totals.runs_completed, totals.runs_completed + totals.runs_failed),
        total_items_synced_24h: totals.items_synced,
        total_webhooks_received_24h: webhooks,
      },
      connections: rows.map((row) => {
        const figure = byConnection.get(row.id);
        return {
          id: row.id,
          name: row.name,
          integration_name: row.integration_name,
          integration_icon_url: row.integration_icon_url,
          category: row.category,
          status: row.status,
          health: row.health,
          last_sync_at: row.last_sync_at,
          last_sync_status: row.last_sync_status,
          next_sync_at: row.next_sync_at,
          success_rate_7d: successRate(figure?.succeeded ?? 0, figure?.counted ?? 0),
          items_synced_24h: figure?.items_synced ?? 0,
        };
      }),
      // A run whose connection was deleted between the two reads goes with it.
      recent_failures: failures.flatMap((run) => {
        const connection = byId.get(run.connection_id);
        if (!connection || run.completed_at === null) return [];
        return [
          {
            run_id: run.id,
            connection_name: connection.name,
            integration_name: connection.integration_name,
            status: run.status,
            error_message: run.error_message,
            failed_at: run.completed_at,
          },
        ];
      }),
      data_freshness: {
        fresh: expected.size - stale.length,
        stale: stale.length,
        stale_connections: stale.map((row) => ({
          connection_id: row.id,
          connection_name: row.name,
          integration_name: row.integration_name,
          last_sync_at: row.last_sync_at,
          expected_interval_mins: expected.get(row.id)!,
        })),
      },
      category_coverage: Object.fromEntries(
        CATEGORIES.map((category) => {
          const found = coverage.find((entry) => entry.category === category);
          return [category, { available: found?.available ?? 0, connected: found?.connected ?? 0 }];
        }),
      ),
    };
  }

  /**
   * One bucket per UTC hour of the last `hours` (the current hour first, empty hours included),
   * and their totals; of one connection of the org when `connectionId` is given.
   */
  async syncActivity({ orgId, now }: Caller, hours: number, connectionId?: string) {
    if (connectionId !== undefined) await this.connections.require(orgId, connectionId);
    const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const window = {
      orgId,
      ...(connectionId !== undefined ? { connectionId } : {}),
      since: new Date(current - (hours - 1) * HOUR_MS).toISOString(),
      until: now.toISOString(),
    };
    const [started, finished, received] = await Promise.all([
      runsStartedByHour(this.db, window),
      runsFinishedByHour(this.db, window),
      receivedByHour(this.db, window),
    ]);
    const startedAt = new Map(started.map((row) => [row.hour, Number(row.runs_started)]));
    const finishedAt = new Map(finished.map((row) => [row.hour, row]));
    const receivedAt = new Map(received.map((row) => [row.hour, Number(row.webhooks_received)]));
    const timeline = Array.from({ length: hours }, (_, i) => {
      const hour = new Date(current - i * HOUR_MS).toISOString();
      const ended = finishedAt.get(hour);
      return {
        hour,
        runs_started: startedAt.get(hour) ?? 0,
        runs_completed: Number(ended?.runs_completed ?? 0),
        runs_failed: Number(ended?.runs_failed ?? 0),
        items_synced: Number(ended?.items_synced ?? 0),
        webhooks_received: receivedAt.get(hour) ?? 0,
      };
    });
    const sum = (field: Exclude<keyof (typeof timeline)[number], 'hour'>) =>
      timeline.reduce((total, bucket) => total + bucket[field], 0);
    return {
      timeline,
      totals: {
        runs_started: sum('runs_started'),
        runs_completed: sum('runs_completed'),
        runs_failed: sum('runs_failed'),
        items_synced: sum('items_synced'),
        webhooks_received: sum('webhooks_received'),
      },
    };
  }
}

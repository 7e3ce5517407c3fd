import type { Db } from '../../platform/db/database.js';
import { listTargetActions } from '../audit/store.js';
import type { Caller } from '../auth/principal.js';
import type { ConnectionService } from '../connections/service.js';
import type { ConnectionStatus } from '../connections/store.js';
import { credentialStatusAt } from '../credentials/service.js';
import type { RunStatus } from '../sync/model.js';
import { type FieldValue, recordsMatching, runsInWindow } from '../sync/storage/widget-reads.js';
import { project, TIME_RANGES, type TimeRange } from './query.js';

/** The widget's four statuses (integration-provider-api.md) for the connection lifecycle's six. */
type WidgetStatus = 'pending' | 'connected' | 'error' | 'disabled';
const WIDGET_STATUS: Record<string, WidgetStatus> = {
  pending_setup: 'pending',
  configuring: 'pending',
  connected: 'connected',
  syncing: 'connected',
  error: 'error',
  disabled: 'disabled',
} satisfies Record<ConnectionStatus, WidgetStatus>;

type ActivityStatus = 'success' | 'failed' | 'running';

const RUN_ACTIVITY: Record<string, ActivityStatus> = {
  pending: 'running',
  running: 'running',
  completed: 'success',
  partial: 'success',
  failed: 'failed',
  cancelled: 'failed',
} satisfies Record<RunStatus, ActivityStatus>;

/**
 * The audit actions that are test, connect and disconnect activities, and whether the entry says
 * it succeeded: the fields an outcome writes are the only record of it (a failed test leaves
 * `last_test_passed_at` alone; a refused credential writes `credential_error`).
 */
const AUDITED = {
  'connection.tested': { type: 'test', passed: (fields: string[]) => fields.includes('last_test_passed_at') },
  'connection.credentials_validated': {
    type: 'connect',
    passed: (fields: string[]) => fields.includes('credential_validated_at'),
  },
  'connection.oauth_connected': { type: 'connect', passed: () => true },
  'connection.disconnected': { type: 'disconnect', passed: () => true },
} as const;
const AUDITED_ACTIONS = Object.keys(AUDITED) as (keyof typeof AUDITED)[];
const isAudited = (action: string): action is keyof typeof AUDITED => action in AUDITED;

export interface Activity {
  id: string;
  type: 'sync' | 'test' | 'connect' | 'disconnect';
  status: ActivityStatus;
  timestamp: string;
  details: Record<string, unknown>;
}

const newestFirst = (a: Activity, b: Activity) =>
  b.timestamp.localeCompare(a.timestamp) || b.id.localeCompare(a.id);

/**
 * A connection's dashboard widgets (integration-provider-api.md, "Widget Data Endpoints"): its
 * status, its recent activity and its stored records. Reads other modules' tables through their
 * storage functions; owns none.
 */
export class WidgetService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
  ) {}

  async status({ orgId, now }: Caller, id: string) {
    const row = await this.connections.require(orgId, id);
    const credential = credentialStatusAt(row.credential_status, row.credential_expires_at, now);
    return {
      connection_id: row.id,
      name: row.name,
      status: WIDGET_STATUS[row.status] ?? 'error',
      connection_status: credential === 'none' ? null : credential,
      last_connected_at: row.credential_validated_at,
      last_sync_at: row.last_sync_at,
      error: errorOf(row),
    };
  }

  /** Syncs (runs) and tests, connects and disconnects (audit entries) in the range, newest first. */
  async activity({ orgId, now }: Caller, id: string, range: TimeRange, limit: number) {
    await this.connections.require(orgId, id);
    const since = new Date(now.getTime() - TIME_RANGES[range]).toISOString();
    const until = now.toISOString();
    const [runs, entries] = await Promise.all([
      runsInWindow(this.db, { connectionId: id, since, until }, limit),
      listTargetActions(
        this.db,
        orgId,
        { targetType: 'connection', targetId: id, actions: AUDITED_ACTIONS, from: since, to: until },
        limit,
      ),
    ]);
    const syncs = runs.rows.map(
      (run): Activity => ({
        id: run.id,
        type: 'sync',
        status: RUN_ACTIVITY[run.status] ?? 'failed',
        timestamp: run.at,
        details: {
          run_status: run.status,
          trigger: run.trigger,
          completed_at: run.completed_at,
          duration_ms: run.duration_ms,
          items_synced: run.stats.items_synced ?? 0,
          error_message: run.error_message,
        },
      }),
    );
    const audited = entries.rows.flatMap((entry): Activity[] => {
      if (!isAudited(entry.action)) return [];
      const kind = AUDITED[entry.action];
      return [
        {
          id: entry.id,
          type: kind.type,
          status: kind.passed(entry.changed_fields) ? 'success' : 'failed',
          timestamp: entry.created_at,
          details: { action: entry.action, actor_type: entry.actor_type, actor_name: entry.actor_name },
        },
      ];
    });
    return {
      activities: [...syncs, ...audited].sort(newestFirst).slice(0, limit),
      total: runs.total + entries.total,
    };
  }

  /** The connection's stored records of `entity` matching `filters`, projected to `fields`. */
  async data(
    { orgId, now }: Caller,
    id: string,
    query: { entity: string; fields?: string[]; filters: Record<string, FieldValue>; limit: number },
  ) {
    await this.connections.require(orgId, id);
    const found = await recordsMatching(
      this.db,
      { connectionId: id, entity: query.entity, filters: query.filters },
      query.limit,
    );
    return {
      data: found.rows.map((record) => project(record, query.fields)),
      total: found.total,
      entity: query.entity,
      fetched_at: now.toISOString(),
    };
  }
}

/** What is wrong, first what blocks everything: a refused credential, then a failed sync, then health. */
function errorOf(row: {
  credential_status: string;
  credential_error: string | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
  health: string;
  last_health_error: string | null;
}): string | null {
  if (row.credential_error !== null && row.credential_status !== 'active') return row.credential_error;
  if (row.last_sync_status === ('failed' satisfies RunStatus) && row.last_sync_error)
    return row.last_sync_error;
  if (row.health === 'unhealthy') return row.last_health_error;
  return null;
}

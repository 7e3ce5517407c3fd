/** The vocabulary of sync runs (spec: integration-engine-api.md §3). */

export const RUN_STATUSES = ['pending', 'running', 'completed', 'partial', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run in one of these holds the connection's single active slot (a partial unique index). */
export const ACTIVE_STATUSES = ['pending', 'running'] as const satisfies readonly RunStatus[];
export const FINISHED_STATUSES = [
  'completed',
  'partial',
  'failed',
  'cancelled',
] as const satisfies readonly RunStatus[];
/** Runs that count as successful in rates and `successful_runs`: data was synced. */
export const SUCCESSFUL_STATUSES = ['completed', 'partial'] as const satisfies readonly RunStatus[];

export const TRIGGERS = [
  'scheduled',
  'manual',
  'webhook',
  'retry',
  'health_check',
  'connection_test',
] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const RUN_SORTS = ['created_at', 'started_at', 'duration_ms'] as const;
export type RunSort = (typeof RUN_SORTS)[number];

// A type, not an interface: it must fit the JSON column's Record<string, number>.
export type RunStats = {
  items_synced: number;
  items_created: number;
  items_updated: number;
  items_deleted: number;
  items_failed: number;
  items_skipped: number;
  evidence_collected: number;
  bytes_transferred: number;
};

export function emptyStats(): RunStats {
  return {
    items_synced: 0,
    items_created: 0,
    items_updated: 0,
    items_deleted: 0,
    items_failed: 0,
    items_skipped: 0,
    evidence_collected: 0,
    bytes_transferred: 0,
  };
}

export type LogCounts = Record<LogLevel, number>;

export function emptyLogCounts(): LogCounts {
  return { debug: 0, info: 0, warn: 0, error: 0 };
}

/** How many failed items a run keeps in `error_details.failed_items`; all are in its log. */
export const FAILED_ITEMS_KEPT = 100;

/** Notice to every process that a run was cancelled: executors check their runs at once. */
export const RUN_CANCELLED_TOPIC = 'sync-run-cancelled';

/** A line of a run's log, as stored. */
export interface RunLogEntry {
  id: string;
  level: LogLevel;
  message: string;
  details: Record<string, unknown> | null;
  source: string | null;
  item_ref: string | null;
  created_at: string;
}

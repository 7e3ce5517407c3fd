import type { ApiClient } from './client';
import type { Envelope, JsonObject, Paged, Run } from './types';

/** A run in full, as `GET /integration-connections/:id/runs/:rid` answers it. */
export interface RunDetail extends Omit<Run, 'log_counts'> {
  connection_name: string;
  integration_name: string;
  scheduled_for: string | null;
  next_attempt_at: string | null;
  error_class: string | null;
  error_details: { failed_items?: { item: string; error: string }[] } | null;
  max_retries: number;
  log_counts: { debug: number; info: number; warn: number; error: number };
  updated_at: string;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RunLog {
  id: string;
  level: string;
  message: string;
  details: JsonObject;
  source: string | null;
  item_ref: string | null;
  created_at: string;
}

/** The run logs endpoint's parameters, as the page's filters. */
export interface LogFilters {
  level?: LogLevel;
  search?: string;
  page: number;
  per_page: number;
}

/** Pending and running runs still move: their page polls. */
export const ACTIVE_RUN_STATUSES: readonly string[] = ['pending', 'queued', 'running'];

/** How often a run that is still moving is asked again (live events also refresh it). */
export const RUN_POLL_MS = 2_000;

export const isActiveRun = (status: string | undefined) =>
  status !== undefined && ACTIVE_RUN_STATUSES.includes(status);

const path = (connectionId: string, runId: string, rest = '') =>
  `/integration-connections/${encodeURIComponent(connectionId)}/runs/${encodeURIComponent(runId)}${rest}`;

export const getRun = (client: ApiClient, connectionId: string, runId: string, signal?: AbortSignal) =>
  client.get<Envelope<RunDetail>>(path(connectionId, runId), undefined, signal).then((body) => body.data);

export const listRunLogs = (
  client: ApiClient,
  connectionId: string,
  runId: string,
  filters: LogFilters,
  signal?: AbortSignal,
) => client.get<Paged<RunLog>>(path(connectionId, runId, '/logs'), { ...filters }, signal);

export const cancelRun = (client: ApiClient, connectionId: string, runId: string) =>
  client
    .post<Envelope<{ id: string; status: string; message: string }>>(path(connectionId, runId, '/cancel'))
    .then((body) => body.data);

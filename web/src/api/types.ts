/**
 * The API's answers the app reads, as the OpenAPI document (`/docs/json`) describes them.
 * Only the fields the pages use are required reading; the server may send more.
 */

export interface Envelope<T> {
  data: T;
}

export interface Pagination {
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export interface Paged<T> {
  data: T[];
  pagination: Pagination;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

// --- auth -------------------------------------------------------------------------------------

export interface UserSummary {
  id: string;
  email: string;
  name: string;
  is_super_admin: boolean;
}

export interface OrgSummary {
  id: string;
  name: string;
  slug: string;
}

export interface SessionBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: string;
  refresh_token: string;
  refresh_expires_at: string;
  user: UserSummary;
  org: OrgSummary;
}

export interface Me {
  kind: 'user' | 'api_key';
  user: UserSummary | null;
  org: OrgSummary;
  role: string | null;
  permissions: string[];
  orgs: (OrgSummary & { role: string })[];
}

// --- catalog ----------------------------------------------------------------------------------

export const CATEGORIES = [
  'cloud_infrastructure',
  'identity_access',
  'code_devops',
  'communication',
  'ticketing',
  'custom',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CAPABILITIES = [
  'sync_users',
  'sync_resources',
  'sync_configurations',
  'collect_evidence',
  'run_scans',
  'send_notifications',
  'receive_webhooks',
  'search',
  'create_tickets',
] as const;

export interface Integration {
  id: string;
  name: string;
  slug: string;
  provider: string;
  category: string;
  short_description: string;
  icon_url: string;
  auth_type: string;
  capabilities: string[];
  is_active: boolean;
  is_beta: boolean;
  version: string;
  tags: string[];
  org_connections: number;
  created_at: string;
}

export interface IntegrationDetail extends Integration {
  description: string;
  documentation_url: string | null;
  website_url: string | null;
  config_schema: JsonSchema;
  updated_at: string;
}

/** The subset of JSON Schema the connectors' config schemas use. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: JsonValue[];
  default?: JsonValue;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
}

// --- connections ------------------------------------------------------------------------------

export const CONNECTION_STATUSES = [
  'pending_setup',
  'configuring',
  'connected',
  'syncing',
  'error',
  'disabled',
] as const;
export const HEALTHS = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;

export interface SyncStats {
  items_synced?: number;
  items_created?: number;
  items_updated?: number;
  items_deleted?: number;
  items_failed?: number;
  items_skipped?: number;
  evidence_collected?: number;
  bytes_transferred?: number;
}

export interface Connection {
  id: string;
  definition_id: string;
  integration_name: string;
  integration_slug: string;
  integration_category: string;
  integration_icon_url: string;
  name: string;
  description: string | null;
  instance_label: string | null;
  status: string;
  health: string;
  sync_enabled: boolean;
  sync_interval_mins: number;
  last_sync_at: string | null;
  last_sync_status: string | null;
  last_sync_duration_ms: number | null;
  last_sync_stats: SyncStats | null;
  last_health_check_at: string | null;
  consecutive_failures: number;
  total_runs: number;
  successful_runs: number;
  failed_runs: number;
  success_rate_pct: number | null;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface ConnectionDetail extends Omit<Connection, 'integration_icon_url' | 'success_rate_pct'> {
  capabilities: string[];
  config: JsonObject;
  sync_cron: string | null;
  sync_timezone: string | null;
  next_sync_at: string | null;
  last_sync_error: string | null;
  last_health_error: string | null;
  health_check_interval_mins: number;
  created_by: string | null;
  created_by_name: string | null;
  metadata: JsonObject;
}

export interface ConnectionInput {
  definition_id?: string;
  name?: string;
  description?: string | null;
  instance_label?: string | null;
  config?: JsonObject;
  sync_enabled?: boolean;
  sync_interval_mins?: number;
  sync_cron?: string | null;
  health_check_interval_mins?: number;
  tags?: string[];
}

export interface TestResult {
  connection_id: string;
  test_result: 'success' | 'failed';
  message: string;
  details: JsonObject;
  status: string;
  health: string;
  tested_at: string;
}

export interface LifecycleResult {
  id: string;
  status: string;
  sync_enabled: boolean;
  next_sync_at?: string;
  message: string;
}

export interface SyncStarted {
  run_id: string;
  connection_id: string;
  trigger: string;
  status: string;
  message: string;
}

export interface HealthCheckResult {
  connection_id: string;
  health: string;
  check_result: 'success' | 'failure';
  response_time_ms: number;
  message: string;
  checked_at: string;
}

export interface ConnectionHealth {
  connection_id: string;
  status: string;
  health: string;
  last_health_check_at: string | null;
  last_health_error: string | null;
  consecutive_failures: number;
  health_check_interval_mins: number;
  next_health_check_at: string | null;
  sync_state: {
    sync_enabled: boolean;
    last_sync_at: string | null;
    last_sync_status: string | null;
    next_sync_at: string | null;
  };
  recent_runs: { id: string; status: string; started_at: string | null; duration_ms: number | null }[];
  uptime: {
    last_24h_success_rate: number | null;
    last_7d_success_rate: number | null;
    last_30d_success_rate: number | null;
  };
}

export const RUN_STATUSES = ['pending', 'running', 'completed', 'partial', 'failed', 'cancelled'] as const;

export interface Run {
  id: string;
  connection_id: string;
  trigger: string;
  triggered_by: string | null;
  triggered_by_name: string | null;
  status: string;
  full_sync: boolean;
  queued_at: string;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  stats: SyncStats;
  error_message: string | null;
  retry_count: number;
  created_at: string;
  log_counts: { info: number; warn: number; error: number };
}

export interface Preview {
  provider: string;
  preview: JsonObject;
  last_synced_at: string;
}

export interface Evidence {
  id: string;
  connection_id: string;
  run_id: string;
  kind: string;
  summary: string;
  content_hash: string;
  collected_at: string;
}

export interface EvidenceDetail extends Evidence {
  data: JsonObject;
}

// --- dashboard --------------------------------------------------------------------------------

export interface Dashboard {
  summary: {
    total_connections: number;
    connected: number;
    healthy: number;
    degraded: number;
    unhealthy: number;
    disabled: number;
    total_runs_24h: number;
    successful_runs_24h: number;
    failed_runs_24h: number;
    success_rate_24h: number | null;
    total_items_synced_24h: number;
    total_webhooks_received_24h: number;
  };
  connections: {
    id: string;
    name: string;
    integration_name: string;
    integration_icon_url: string;
    category: string;
    status: string;
    health: string;
    last_sync_at: string | null;
    last_sync_status: string | null;
    next_sync_at: string | null;
    success_rate_7d: number | null;
    items_synced_24h: number;
  }[];
  recent_failures: {
    run_id: string;
    connection_name: string;
    integration_name: string;
    status: string;
    error_message: string | null;
    failed_at: string;
  }[];
  data_freshness: {
    fresh: number;
    stale: number;
    stale_connections: {
      connection_id: string;
      connection_name: string;
      integration_name: string;
      last_sync_at: string | null;
      expected_interval_mins: number;
    }[];
  };
  category_coverage: Record<string, { available: number; connected: number }>;
}

export interface ActivityHour {
  hour: string;
  runs_started: number;
  runs_completed: number;
  runs_failed: number;
  items_synced: number;
  webhooks_received: number;
}

export interface SyncActivity {
  timeline: ActivityHour[];
  totals: Omit<ActivityHour, 'hour'>;
}

// --- events -----------------------------------------------------------------------------------

/** One outbox event, as `GET /events` lists it and the live socket emits it. */
export interface EventItem {
  id: string;
  type: string;
  version: number;
  subject: { type: string; id: string };
  payload: JsonObject;
  occurred_at: string;
}

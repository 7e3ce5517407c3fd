import type { ColumnType, Generated } from 'kysely';

/** ISO 8601 UTC string on both dialects (see postgres.ts and column-types.ts). */
export type Timestamp = string;

/**
 * A JSON column holds an object or an array (never a bare scalar: parameters are encoded as JSON by
 * their shape, see json-parameters.ts), written as the value and read back parsed.
 */
export type Json<T extends object> = ColumnType<T, T, T>;

export interface SystemSettingsTable {
  key: string;
  value: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

export interface OrgsTable {
  id: string;
  name: string;
  slug: string;
  session_timeout_mins: number;
  settings: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_super_admin: boolean;
  is_active: boolean;
  last_login_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TeamsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  org_id: string;
  created_at: Timestamp;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: Json<string[]>;
  created_by: string | null;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
  usage_count: number;
  created_at: Timestamp;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  org_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  created_at: Timestamp;
}

export interface AuditLogTable {
  id: string;
  org_id: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changed_fields: Json<string[]>;
  request_id: string | null;
  ip: string | null;
  created_at: Timestamp;
}

export interface IntegrationDefinitionsTable {
  id: string;
  slug: string;
  connector: string;
  name: string;
  provider: string;
  category: string;
  short_description: string;
  description: string;
  icon_url: string;
  documentation_url: string | null;
  website_url: string | null;
  auth_type: string;
  config_schema: Json<Record<string, unknown>>;
  capabilities: Json<string[]>;
  entities: Json<{ name: string; description: string }[]>;
  oauth: Json<Record<string, unknown>> | null;
  version: string;
  tags: Json<string[]>;
  status: string;
  audience: string;
  is_builtin: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IntegrationConnectionsTable {
  id: string;
  org_id: string;
  definition_id: string;
  name: string;
  description: string | null;
  instance_label: string | null;
  status: string;
  health: string;
  config: Json<Record<string, unknown>>;
  secrets: string | null;
  sync_enabled: boolean;
  sync_interval_mins: number;
  sync_cron: string | null;
  health_check_interval_mins: number;
  next_sync_at: Timestamp | null;
  next_health_check_at: Timestamp | null;
  last_sync_at: Timestamp | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
  last_sync_duration_ms: number | null;
  last_sync_stats: Json<Record<string, number>> | null;
  /** When its last full sync completed (the scheduler's full-sync interval counts from it). */
  last_full_sync_at: Timestamp | null;
  last_health_check_at: Timestamp | null;
  last_health_error: string | null;
  last_tested_at: Timestamp | null;
  last_test_passed_at: Timestamp | null;
  consecutive_failures: number;
  total_runs: number;
  successful_runs: number;
  failed_runs: number;
  tags: Json<string[]>;
  metadata: Json<Record<string, unknown>>;
  disabled_reason: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** none | active | expired | revoked | error */
  credential_status: Generated<string>;
  credential_expires_at: Timestamp | null;
  credential_validated_at: Timestamp | null;
  credential_error: string | null;
  /** IANA zone the cron is read in; null means UTC. */
  sync_timezone: string | null;
}

export interface OAuthStatesTable {
  id: string;
  state_hash: string;
  org_id: string;
  connection_id: string;
  user_id: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  return_url: string;
  code_verifier: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
  /** connection | user: whose credential the flow connects. */
  scope: Generated<string>;
}

/** A user's own OAuth credential for one of the org's connections. */
export interface UserCredentialsTable {
  connection_id: string;
  user_id: string;
  org_id: string;
  /** Sealed tokens, bound to org, connection and user; null once disconnected. */
  secrets: string | null;
  /** active | expired | revoked | error */
  status: string;
  expires_at: Timestamp | null;
  last_connected_at: Timestamp | null;
  error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SyncRunsTable {
  id: string;
  org_id: string;
  connection_id: string;
  trigger: string;
  triggered_by: string | null;
  triggered_by_name: string | null;
  status: string;
  full_sync: boolean;
  scheduled_for: Timestamp | null;
  queued_at: Timestamp;
  not_before: Timestamp | null;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  duration_ms: number | null;
  stats: Json<Record<string, number>>;
  /** stats.items_synced, written when the run ends (migration 0017): what the dashboard sums. */
  items_synced: Generated<number>;
  error_message: string | null;
  error_class: string | null;
  error_details: Json<Record<string, unknown>> | null;
  retry_count: number;
  max_retries: number;
  config_snapshot: Json<Record<string, unknown>>;
  log_counts: Json<Record<string, number>>;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  cancel_requested_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SyncRunLogsTable {
  id: string;
  run_id: string;
  org_id: string;
  level: string;
  message: string;
  details: Json<Record<string, unknown>> | null;
  source: string | null;
  item_ref: string | null;
  created_at: Timestamp;
}

export interface SyncRecordsTable {
  connection_id: string;
  entity: string;
  external_id: string;
  org_id: string;
  content_hash: string;
  data: Json<Record<string, unknown>>;
  last_seen_run_id: string;
  deleted_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SyncCursorsTable {
  connection_id: string;
  entity: string;
  cursor: string;
  run_id: string;
  updated_at: Timestamp;
}

export interface SyncEvidenceTable {
  id: string;
  org_id: string;
  connection_id: string;
  run_id: string;
  kind: string;
  summary: string;
  content_hash: string;
  data: Json<Record<string, unknown>>;
  collected_at: Timestamp;
}

/** Every table, as Kysely sees it. Modules add theirs here with their migration. */
export interface EventsTable {
  seq: Generated<number>;
  tx_id: Generated<number>;
  id: string;
  org_id: string;
  type: string;
  version: number;
  subject_type: string;
  subject_id: string;
  payload: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
}

export interface EventConsumersTable {
  name: string;
  last_tx_id: number;
  last_seq: number;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface WebhooksTable {
  id: string;
  org_id: string;
  connection_id: string;
  name: string;
  description: string | null;
  scheme: string;
  signature_header: string;
  signature_algo: string;
  event_types: Json<string[]>;
  status: string;
  /** Sealed (SecretBox), bound to the org and the webhook. */
  secret: string;
  rate_limit_per_minute: number | null;
  total_received: Generated<number>;
  total_processed: Generated<number>;
  total_failed: Generated<number>;
  last_received_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Counts not yet folded into their webhook's totals (one row per delivery or outcome). */
export interface WebhookCountsTable {
  webhook_id: string;
  received: number;
  processed: number;
  failed: number;
  last_received_at: Timestamp | null;
}

export interface WebhookEventsTable {
  id: string;
  org_id: string;
  connection_id: string;
  webhook_id: string;
  delivery_id: string | null;
  dedupe_key: string | null;
  event_type: string | null;
  status: string;
  headers: Json<Record<string, string>>;
  payload: Json<object>;
  error: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  /** The processor holding it, until `lease_until`; a settle by anyone else is refused. */
  lease_owner: string | null;
  lease_until: Timestamp | null;
  received_at: Timestamp;
  processed_at: Timestamp | null;
}

export interface WebhookEndpointsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  url: string;
  event_types: Json<string[]>;
  enabled: boolean;
  disabled_reason: string | null;
  /** Sealed (SecretBox), bound to the org and the endpoint. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  rate_limit_per_second: number | null;
  retry_policy: Json<{
    max_retries?: number;
    retry_delay_ms?: number;
    backoff_factor?: number;
    timeout_ms?: number;
  }> | null;
  ordered: boolean;
  failing_since: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrgEventTypesTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  schema: Json<Record<string, unknown>> | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PublishedEventKeysTable {
  org_id: string;
  key: string;
  event_id: string;
  request_hash: string;
  created_at: Timestamp;
}

export interface WebhookMessagesTable {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: Json<Record<string, unknown>>;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface WebhookAttemptsTable {
  id: string;
  message_id: string;
  endpoint_id: string;
  attempt: number;
  url: string;
  status_code: number | null;
  duration_ms: number;
  response_body: string | null;
  error: string | null;
  created_at: Timestamp;
}

export interface Tables {
  system_settings: SystemSettingsTable;
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  invitations: InvitationsTable;
  api_keys: ApiKeysTable;
  refresh_tokens: RefreshTokensTable;
  audit_log: AuditLogTable;
  integration_definitions: IntegrationDefinitionsTable;
  integration_connections: IntegrationConnectionsTable;
  oauth_states: OAuthStatesTable;
  user_credentials: UserCredentialsTable;
  sync_runs: SyncRunsTable;
  sync_run_logs: SyncRunLogsTable;
  sync_records: SyncRecordsTable;
  sync_cursors: SyncCursorsTable;
  sync_evidence: SyncEvidenceTable;
  events: EventsTable;
  event_consumers: EventConsumersTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_counts: WebhookCountsTable;
  webhook_endpoints: WebhookEndpointsTable;
  org_event_types: OrgEventTypesTable;
  published_event_keys: PublishedEventKeysTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
}

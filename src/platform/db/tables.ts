import type { ColumnType } from 'kysely';

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

/** Every table, as Kysely sees it. Modules add theirs here with their migration. */
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
}

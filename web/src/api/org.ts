import type { ApiClient } from './client';
import type { Envelope, EventItem, Paged } from './types';

// --- members and invitations ------------------------------------------------------------------

/** The roles a member can hold (the server's `Role`). */
export const ROLES = [
  'tenant_admin',
  'compliance_manager',
  'security_engineer',
  'it_admin',
  'ciso',
  'devops_engineer',
  'auditor',
  'vendor_manager',
  'member',
] as const;

export interface Member {
  id: string;
  email: string;
  name: string;
  role: string;
  is_active: boolean;
  last_login_at: string | null;
  joined_at: string;
  created_at: string;
}

export interface MemberFilters {
  role?: string;
  sort?: 'name' | 'email' | 'created_at';
  order?: 'asc' | 'desc';
  page: number;
  per_page: number;
}

export interface Invitation {
  id: string;
  email: string;
  role: string;
  expires_at: string;
  token: string;
  accept_url: string;
}

const org = (orgId: string, rest = '') => `/orgs/${encodeURIComponent(orgId)}${rest}`;
const data = <T>(body: Envelope<T>) => body.data;

export const listMembers = (client: ApiClient, orgId: string, filters: MemberFilters, signal?: AbortSignal) =>
  client.get<Paged<Member>>(org(orgId, '/members'), { ...filters }, signal);

export const changeRole = (client: ApiClient, orgId: string, userId: string, role: string) =>
  client
    .request<Envelope<{ user_id: string; role: string }>>(
      'PATCH',
      org(orgId, `/members/${encodeURIComponent(userId)}`),
      { body: { role } },
    )
    .then(data);

export const removeMember = (client: ApiClient, orgId: string, userId: string) =>
  client.delete(org(orgId, `/members/${encodeURIComponent(userId)}`));

/** The token (and the link carrying it) is in this answer only. */
export const invite = (client: ApiClient, orgId: string, email: string, role: string) =>
  client.post<Envelope<Invitation>>(org(orgId, '/invitations'), { email, role }).then(data);

/** An invitation not yet accepted nor expired, as listed: without its token. */
export interface PendingInvitation {
  id: string;
  email: string;
  role: string;
  invited_by: string | null;
  expires_at: string;
  created_at: string;
}

export const listInvitations = (client: ApiClient, orgId: string, signal?: AbortSignal) =>
  client.get<Envelope<PendingInvitation[]>>(org(orgId, '/invitations'), {}, signal).then(data);

export const revokeInvitation = (client: ApiClient, orgId: string, id: string) =>
  client.delete(org(orgId, `/invitations/${encodeURIComponent(id)}`));

// --- API keys ---------------------------------------------------------------------------------

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_by: string | null;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  usage_count: number;
  created_at: string;
}

export interface ApiKeyInput {
  name: string;
  scopes: string[];
  expires_in_days?: number;
}

export const listApiKeys = (client: ApiClient, page: number, signal?: AbortSignal) =>
  client.get<Paged<ApiKey>>('/api-keys', { page, per_page: 20 }, signal);

/** The key is in this answer only. */
export const createApiKey = (client: ApiClient, input: ApiKeyInput) =>
  client.post<Envelope<ApiKey & { key: string }>>('/api-keys', input).then(data);

export const revokeApiKey = (client: ApiClient, id: string) =>
  client.delete(`/api-keys/${encodeURIComponent(id)}`);

export const rotateApiKey = (client: ApiClient, id: string) =>
  client.post<Envelope<ApiKey & { key: string }>>(`/api-keys/${encodeURIComponent(id)}/rotate`).then(data);

// --- audit log --------------------------------------------------------------------------------

export interface AuditEntry {
  id: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changed_fields: string[];
  request_id: string | null;
  ip: string | null;
  created_at: string;
}

export const ACTOR_TYPES = ['user', 'api_key', 'system'] as const;

export interface AuditFilters {
  actor_type?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
  from?: string;
  to?: string;
  page: number;
  per_page: number;
}

export const listAudit = (client: ApiClient, filters: AuditFilters, signal?: AbortSignal) =>
  client.get<Paged<AuditEntry>>('/audit-logs', { ...filters }, signal);

// --- events -----------------------------------------------------------------------------------

export interface EventPage {
  data: EventItem[];
  pagination: { per_page: number; next_cursor: string | null };
}

export const listEvents = (
  client: ApiClient,
  filters: { type?: string; cursor?: string; per_page?: number },
  signal?: AbortSignal,
) => client.get<EventPage>('/events', { ...filters }, signal);

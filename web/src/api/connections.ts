import type { ApiClient } from './client';
import type {
  Connection,
  ConnectionDetail,
  ConnectionHealth,
  ConnectionInput,
  Envelope,
  Evidence,
  EvidenceDetail,
  HealthCheckResult,
  LifecycleResult,
  Paged,
  Preview,
  Run,
  SyncStarted,
  TestResult,
} from './types';

export interface ConnectionFilters {
  status?: string;
  health?: string;
  category?: string;
  definition_id?: string;
  search?: string;
  sort?: 'name' | 'status' | 'health' | 'last_sync_at' | 'created_at';
  order?: 'asc' | 'desc';
  page?: number;
  per_page?: number;
}

export interface RunFilters {
  status?: string;
  trigger?: string;
  page?: number;
  per_page?: number;
}

const path = (id: string, rest = '') => `/integration-connections/${encodeURIComponent(id)}${rest}`;
const data = <T>(body: Envelope<T>) => body.data;

export const listConnections = (client: ApiClient, filters: ConnectionFilters, signal?: AbortSignal) =>
  client.get<Paged<Connection>>('/integration-connections', { ...filters }, signal);

export const getConnection = (client: ApiClient, id: string, signal?: AbortSignal) =>
  client.get<Envelope<ConnectionDetail>>(path(id), undefined, signal).then(data);

export const createConnection = (client: ApiClient, input: ConnectionInput) =>
  client.post<Envelope<ConnectionDetail & { message: string }>>('/integration-connections', input).then(data);

export const updateConnection = (client: ApiClient, id: string, input: ConnectionInput) =>
  client.put<Envelope<ConnectionDetail>>(path(id), input).then(data);

export const deleteConnection = (client: ApiClient, id: string) => client.delete(path(id));

export const testConnection = (client: ApiClient, id: string) =>
  client.post<Envelope<TestResult>>(path(id, '/test')).then(data);

export const enableConnection = (client: ApiClient, id: string) =>
  client.post<Envelope<LifecycleResult>>(path(id, '/enable')).then(data);

export const disableConnection = (client: ApiClient, id: string, reason?: string) =>
  client.post<Envelope<LifecycleResult>>(path(id, '/disable'), reason ? { reason } : {}).then(data);

export const syncNow = (client: ApiClient, id: string, fullSync: boolean) =>
  client.post<Envelope<SyncStarted>>(path(id, '/sync'), { full_sync: fullSync }).then(data);

export const checkHealth = (client: ApiClient, id: string) =>
  client.post<Envelope<HealthCheckResult>>(path(id, '/health-check')).then(data);

export const getHealth = (client: ApiClient, id: string, signal?: AbortSignal) =>
  client.get<Envelope<ConnectionHealth>>(path(id, '/health'), undefined, signal).then(data);

export const listRuns = (client: ApiClient, id: string, filters: RunFilters, signal?: AbortSignal) =>
  client.get<Paged<Run>>(path(id, '/runs'), { ...filters }, signal);

export const getPreview = (client: ApiClient, id: string, signal?: AbortSignal) =>
  client.get<Envelope<Preview>>(path(id, '/preview'), undefined, signal).then(data);

export const listEvidence = (client: ApiClient, id: string, page: number, signal?: AbortSignal) =>
  client.get<Paged<Evidence>>(path(id, '/evidence'), { page, per_page: 10 }, signal);

export const getEvidence = (client: ApiClient, id: string, evidenceId: string, signal?: AbortSignal) =>
  client
    .get<Envelope<EvidenceDetail>>(path(id, `/evidence/${encodeURIComponent(evidenceId)}`), undefined, signal)
    .then(data);

/** Starts the OAuth2 flow; the browser then goes to `authorization_url` and comes back to `returnUrl`. */
export const startOAuth = (client: ApiClient, id: string, returnUrl: string) =>
  client
    .post<Envelope<{ authorization_url: string; state: string }>>(path(id, '/connect/oauth'), {
      return_url: returnUrl,
    })
    .then(data);

import type { CatalogFilters } from '../api/catalog';
import type { ConnectionFilters, RunFilters } from '../api/connections';
import type { ReceivedFilters } from '../api/inbound-webhooks';
import type { AuditFilters, MemberFilters } from '../api/org';
import type { LogFilters } from '../api/runs';
import type { DeliveryFilters } from '../api/webhook-endpoints';

/**
 * Every query key in one place, as prefixes the live client invalidates: whatever concerns one
 * connection (its runs, health, preview, webhooks…) sits under `['connection', id]`.
 */
export const keys = {
  me: ['me'] as const,
  dashboard: ['dashboard'] as const,
  syncActivity: (hours: number) => ['dashboard', 'sync-activity', hours] as const,
  connectionActivity: (id: string, hours: number) => ['connection', id, 'sync-activity', hours] as const,
  catalog: ['catalog'] as const,
  catalogList: (filters: CatalogFilters) => ['catalog', 'list', filters] as const,
  integration: (idOrSlug: string) => ['catalog', 'detail', idOrSlug] as const,
  connections: ['connections'] as const,
  connectionList: (filters: ConnectionFilters) => ['connections', filters] as const,
  connection: (id: string) => ['connection', id] as const,
  connectionHealth: (id: string) => ['connection', id, 'health'] as const,
  connectionRuns: (id: string, filters: RunFilters) => ['connection', id, 'runs', filters] as const,
  /** A run's page (its detail, logs, failed items) keys under its connection. */
  run: (connectionId: string, runId: string) => ['connection', connectionId, 'run', runId] as const,
  runLogs: (connectionId: string, runId: string, filters: LogFilters) =>
    ['connection', connectionId, 'run', runId, 'logs', filters] as const,
  connectionPreview: (id: string) => ['connection', id, 'preview'] as const,
  connectionEvidence: (id: string, page: number) => ['connection', id, 'evidence', page] as const,
  evidenceItem: (id: string, evidenceId: string) => ['connection', id, 'evidence-item', evidenceId] as const,
  connectionWebhooks: (id: string) => ['connection', id, 'webhooks'] as const,
  receivedEvents: (id: string, webhookId: string, filters: ReceivedFilters) =>
    ['connection', id, 'webhooks', webhookId, 'events', filters] as const,
  receivedEvent: (id: string, webhookId: string, eventId: string) =>
    ['connection', id, 'webhooks', webhookId, 'event', eventId] as const,
  events: ['events'] as const,
  eventList: (type: string | undefined) => ['events', 'list', type ?? ''] as const,
  /** Declared types change with the endpoints' page: under its prefix. */
  eventTypes: ['webhook-endpoints', 'event-types'] as const,
  webhookEndpoints: ['webhook-endpoints'] as const,
  endpointList: (page: number) => ['webhook-endpoints', 'list', page] as const,
  endpoint: (id: string) => ['webhook-endpoints', 'one', id] as const,
  endpointStats: (id: string) => ['webhook-endpoints', 'one', id, 'stats'] as const,
  deliveries: (id: string, filters: DeliveryFilters) =>
    ['webhook-endpoints', 'one', id, 'deliveries', filters] as const,
  delivery: (id: string, deliveryId: string) =>
    ['webhook-endpoints', 'one', id, 'delivery', deliveryId] as const,
  members: ['members'] as const,
  invitations: ['members', 'invitations'] as const,
  memberList: (filters: MemberFilters) => ['members', filters] as const,
  apiKeys: ['api-keys'] as const,
  apiKeyList: (page: number) => ['api-keys', page] as const,
  audit: ['audit'] as const,
  auditList: (filters: AuditFilters) => ['audit', filters] as const,
};

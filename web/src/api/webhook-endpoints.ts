import type { ApiClient } from './client';
import type { Envelope, JsonObject, JsonValue, Paged } from './types';

/** An outbound webhook endpoint: where Switchboard sends the org's events, signed. */
export interface WebhookEndpoint {
  id: string;
  name: string;
  description: string | null;
  url: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  rate_limit_per_second: number | null;
  retry_policy: JsonObject | null;
  ordered: boolean;
  failing_since: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookEndpointInput {
  url?: string;
  name?: string;
  description?: string | null;
  event_types?: string[];
  enabled?: boolean;
}

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;

export interface Delivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface DeliveryAttempt {
  id: string;
  attempt: number;
  url: string;
  status_code: number | null;
  duration_ms: number;
  response_body: string | null;
  error: string | null;
  created_at: string;
}

export interface DeliveryDetail extends Delivery {
  payload: JsonValue;
  history: DeliveryAttempt[];
}

export interface DeliveryFilters {
  status?: string;
  event_type?: string;
  page: number;
  per_page: number;
}

export interface EndpointStats {
  window_hours: number;
  since: string;
  attempts: number;
  succeeded: number;
  failed: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null };
}

export interface EventType {
  name: string;
  description: string;
  version: number;
  subject_type: string;
  schema: JsonObject;
  /** `switchboard` for the catalogue, `org` for the organisation's own. */
  source: string;
  created_at?: string;
  updated_at?: string;
}

export interface EventTypeInput {
  name: string;
  description?: string | null;
  schema?: JsonObject | null;
}

const base = '/webhook-endpoints';
const one = (id: string, rest = '') => `${base}/${encodeURIComponent(id)}${rest}`;
const data = <T>(body: Envelope<T>) => body.data;

export const listEndpoints = (client: ApiClient, page: number, signal?: AbortSignal) =>
  client.get<Paged<WebhookEndpoint>>(base, { page, per_page: 20 }, signal);

/** The `whsec_` secret is in this answer only. */
export const createEndpoint = (client: ApiClient, input: WebhookEndpointInput) =>
  client.post<Envelope<WebhookEndpoint & { secret: string }>>(base, input).then(data);

export const getEndpoint = (client: ApiClient, id: string, signal?: AbortSignal) =>
  client.get<Envelope<WebhookEndpoint>>(one(id), undefined, signal).then(data);

export const updateEndpoint = (client: ApiClient, id: string, patch: WebhookEndpointInput) =>
  client.request<Envelope<WebhookEndpoint>>('PATCH', one(id), { body: patch }).then(data);

export const deleteEndpoint = (client: ApiClient, id: string) => client.delete(one(id));

export const rotateEndpointSecret = (client: ApiClient, id: string, overlapHours: number) =>
  client
    .post<Envelope<{ id: string; secret: string; previous_secret_expires_at: string | null }>>(
      one(id, '/rotate-secret'),
      { overlap_hours: overlapHours },
    )
    .then(data);

export const sendTest = (client: ApiClient, id: string, eventType?: string) =>
  client
    .post<Envelope<{ message_id: string; event_id: string; event_type: string }>>(
      one(id, '/test'),
      eventType ? { event_type: eventType } : {},
    )
    .then(data);

export const listDeliveries = (
  client: ApiClient,
  id: string,
  filters: DeliveryFilters,
  signal?: AbortSignal,
) => client.get<Paged<Delivery>>(one(id, '/deliveries'), { ...filters }, signal);

export const getDelivery = (client: ApiClient, id: string, deliveryId: string, signal?: AbortSignal) =>
  client
    .get<Envelope<DeliveryDetail>>(
      one(id, `/deliveries/${encodeURIComponent(deliveryId)}`),
      undefined,
      signal,
    )
    .then(data);

export const redeliver = (client: ApiClient, id: string, deliveryId: string) =>
  client
    .post<Envelope<Delivery>>(one(id, `/deliveries/${encodeURIComponent(deliveryId)}/redeliver`))
    .then(data);

export const recover = (client: ApiClient, id: string, since: string) =>
  client.post<Envelope<{ since: string; queued: number }>>(one(id, '/recover'), { since }).then(data);

export const getEndpointStats = (client: ApiClient, id: string, signal?: AbortSignal) =>
  client.get<Envelope<EndpointStats>>(one(id, '/stats'), undefined, signal).then(data);

export const listEventTypes = (client: ApiClient, signal?: AbortSignal) =>
  client.get<Envelope<EventType[]>>('/event-types', undefined, signal).then(data);

export const createEventType = (client: ApiClient, input: EventTypeInput) =>
  client.post<Envelope<EventType>>('/event-types', input).then(data);

export const deleteEventType = (client: ApiClient, name: string) =>
  client.delete(`/event-types/${encodeURIComponent(name)}`);

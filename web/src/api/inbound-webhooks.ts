import type { ApiClient } from './client';
import type { Envelope, JsonObject, JsonValue, Paged } from './types';

/** A connection's inbound webhook (a URL providers post to), with its counters. */
export interface InboundWebhook {
  id: string;
  connection_id: string;
  name: string;
  description: string | null;
  webhook_url: string;
  status: string;
  scheme: string;
  event_types: string[];
  signature_header: string;
  signature_algo: string;
  rate_limit_per_minute: number | null;
  total_received: number;
  total_processed: number;
  total_failed: number;
  last_received_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface InboundWebhookInput {
  name: string;
  description?: string | null;
  event_types?: string[];
  signature_header?: string;
  signature_algo?: 'sha256' | 'sha1';
  rate_limit_per_minute?: number | null;
}

export interface InboundWebhookPatch {
  name?: string;
  description?: string | null;
  event_types?: string[];
  status?: 'active' | 'inactive';
  rate_limit_per_minute?: number | null;
}

export const RECEIVED_STATUSES = ['accepted', 'processed', 'ignored', 'duplicate', 'failed'] as const;

export interface ReceivedEvent {
  id: string;
  connection_id: string;
  webhook_id: string;
  delivery_id: string | null;
  event_type: string | null;
  status: string;
  error: string | null;
  attempts: number;
  next_attempt_at: string | null;
  received_at: string;
  processed_at: string | null;
}

export interface ReceivedEventDetail extends ReceivedEvent {
  headers: JsonObject;
  payload: JsonValue;
}

export interface ReceivedFilters {
  status?: string;
  event_type?: string;
  page: number;
  per_page: number;
}

const base = (connectionId: string) =>
  `/integration-connections/${encodeURIComponent(connectionId)}/webhooks`;
const one = (connectionId: string, webhookId: string, rest = '') =>
  `${base(connectionId)}/${encodeURIComponent(webhookId)}${rest}`;
const data = <T>(body: Envelope<T>) => body.data;

export const listInboundWebhooks = (client: ApiClient, connectionId: string, signal?: AbortSignal) =>
  client.get<Envelope<InboundWebhook[]>>(base(connectionId), undefined, signal).then(data);

/** The secret is in this answer only. */
export const createInboundWebhook = (client: ApiClient, connectionId: string, input: InboundWebhookInput) =>
  client
    .post<Envelope<InboundWebhook & { webhook_secret: string; message: string }>>(base(connectionId), input)
    .then(data);

export const updateInboundWebhook = (
  client: ApiClient,
  connectionId: string,
  webhookId: string,
  patch: InboundWebhookPatch,
) =>
  client.request<Envelope<InboundWebhook>>('PATCH', one(connectionId, webhookId), { body: patch }).then(data);

export const deleteInboundWebhook = (client: ApiClient, connectionId: string, webhookId: string) =>
  client.delete(one(connectionId, webhookId));

export const rotateInboundSecret = (client: ApiClient, connectionId: string, webhookId: string) =>
  client
    .post<Envelope<{ id: string; webhook_secret: string; message: string }>>(
      one(connectionId, webhookId, '/rotate-secret'),
    )
    .then(data);

export const listReceivedEvents = (
  client: ApiClient,
  connectionId: string,
  webhookId: string,
  filters: ReceivedFilters,
  signal?: AbortSignal,
) => client.get<Paged<ReceivedEvent>>(one(connectionId, webhookId, '/events'), { ...filters }, signal);

export const getReceivedEvent = (
  client: ApiClient,
  connectionId: string,
  webhookId: string,
  eventId: string,
  signal?: AbortSignal,
) =>
  client
    .get<Envelope<ReceivedEventDetail>>(
      one(connectionId, webhookId, `/events/${encodeURIComponent(eventId)}`),
      undefined,
      signal,
    )
    .then(data);

export const replayReceivedEvent = (
  client: ApiClient,
  connectionId: string,
  webhookId: string,
  eventId: string,
) =>
  client
    .post<Envelope<{ id: string; status: string; message: string }>>(
      one(connectionId, webhookId, `/events/${encodeURIComponent(eventId)}/replay`),
    )
    .then(data);

import type { ApiClient } from './client';
import type { Envelope, Integration, IntegrationDetail, Paged } from './types';

export interface CatalogFilters {
  category?: string;
  capability?: string;
  search?: string;
  is_beta?: boolean;
  page?: number;
  per_page?: number;
}

export function listIntegrations(client: ApiClient, filters: CatalogFilters, signal?: AbortSignal) {
  return client.get<Paged<Integration>>('/integrations', { ...filters }, signal);
}

/** By id or slug: the server accepts both. */
export async function getIntegration(client: ApiClient, idOrSlug: string, signal?: AbortSignal) {
  const body = await client.get<Envelope<IntegrationDetail>>(
    `/integrations/${encodeURIComponent(idOrSlug)}`,
    undefined,
    signal,
  );
  return body.data;
}

import type { ApiClient } from './client';
import type { Dashboard, Envelope, SyncActivity } from './types';

export async function getDashboard(client: ApiClient, signal?: AbortSignal) {
  return (await client.get<Envelope<Dashboard>>('/integrations/dashboard', undefined, signal)).data;
}

/** Per hour, newest first; one connection's when `connectionId` is given. */
export async function getSyncActivity(
  client: ApiClient,
  hours: number,
  connectionId?: string,
  signal?: AbortSignal,
) {
  const body = await client.get<Envelope<SyncActivity>>(
    '/integrations/dashboard/sync-activity',
    { hours, connection_id: connectionId },
    signal,
  );
  return body.data;
}

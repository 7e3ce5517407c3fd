import type { QueryKey } from '@tanstack/react-query';
import type { EventItem } from '../api/types';
import { keys } from '../queries/keys';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The caches one kind of subject's events make stale, by the event type's first word. */
const BY_FAMILY: Record<string, (event: EventItem) => QueryKey[]> = {
  connection: (event) => [
    keys.connections,
    keys.connection(event.subject.id),
    keys.dashboard,
    // A new or deleted connection changes the catalog's connection counts.
    ...(event.type === 'connection.created' || event.type === 'connection.deleted' ? [keys.catalog] : []),
  ],
  credential: (event) => [keys.connections, keys.connection(event.subject.id), keys.dashboard],
  sync: (event) => {
    const connectionId = text(event.payload.connection_id);
    return [keys.connections, keys.dashboard, ...(connectionId ? [keys.connection(connectionId)] : [])];
  },
  webhook: (event) => {
    const connectionId = text(event.payload.connection_id);
    return [keys.dashboard, ...(connectionId ? [keys.connectionWebhooks(connectionId)] : [])];
  },
  webhook_endpoint: () => [keys.webhookEndpoints],
  api_key: () => [keys.apiKeys],
  // A member's role may be the caller's own: what the app offers follows `me`.
  member: () => [keys.members, keys.me],
};

/** Every query an event may have made stale; the events timeline and audit log always are. */
export function keysFor(event: EventItem): QueryKey[] {
  const family = event.type.split('.')[0] ?? '';
  return [keys.events, keys.audit, ...(BY_FAMILY[family]?.(event) ?? [])];
}

import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventItem } from '../src/api/types';
import { LiveClient } from '../src/live/live-client';
import { keys } from '../src/queries/keys';
import { fakeSockets } from './helpers';

const A = 'conn-a';
const B = 'conn-b';

let n = 0;
function event(
  type: string,
  subject: { type: string; id: string },
  payload: Record<string, string> = {},
): EventItem {
  n += 1;
  return {
    id: `01a24ebb-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type,
    version: 1,
    subject,
    payload,
    occurred_at: new Date().toISOString(),
  };
}

/** A cache holding the queries the pages make, all fresh. */
function seededCache() {
  const queryClient = new QueryClient();
  const seeded = [
    keys.me,
    keys.dashboard,
    keys.syncActivity(24),
    keys.catalogList({ page: 1 }),
    keys.connectionList({ page: 1 }),
    keys.connection(A),
    keys.connectionRuns(A, { page: 1 }),
    keys.connectionHealth(A),
    keys.run(A, 'run-1'),
    keys.connectionWebhooks(A),
    keys.connection(B),
    keys.connectionHealth(B),
    keys.events,
    keys.webhookEndpoints,
    keys.apiKeys,
    keys.members,
  ];
  for (const key of seeded) queryClient.setQueryData(key, { seeded: true });
  const stale = () =>
    queryClient
      .getQueryCache()
      .getAll()
      .filter((query) => query.state.isInvalidated)
      .map((query) => JSON.stringify(query.queryKey))
      .sort();
  return { queryClient, stale };
}

const names = (...queryKeys: (readonly unknown[])[]) => queryKeys.map((key) => JSON.stringify(key)).sort();

function start(batchMs = 100) {
  const { queryClient, stale } = seededCache();
  const { sockets, connect } = fakeSockets();
  let token = 'token-1';
  const tokens = {
    accessToken: () => token,
    refresh: vi.fn(async () => {
      token = 'token-2';
      return true;
    }),
  };
  const live = new LiveClient({ connect, orgId: 'org-1', tokens, queryClient, batchMs });
  live.start();
  const socket = sockets[0]!;
  return { live, socket, queryClient, stale, tokens };
}

describe('the live client', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the token and the org to the handshake, then the last event id seen as `since`', async () => {
    const { socket, live } = start();
    expect(socket.handshakes[0]).toEqual({ token: 'token-1', org_id: 'org-1' });
    socket.serverConnects();
    const first = event('connection.updated', { type: 'connection', id: A });
    const second = event('connection.health_changed', { type: 'connection', id: A });
    socket.emits(first);
    socket.emits(second);
    expect(live.lastEventId).toBe(second.id);
    socket.serverDrops();
    socket.reconnects();
    expect(socket.handshakes.at(-1)).toEqual({ token: 'token-1', org_id: 'org-1', since: second.id });
    live.stop();
  });

  it("invalidates what a run's events affect: its connection's queries, the lists, the dashboard", async () => {
    const { socket, stale, live } = start();
    socket.emits(event('sync.run.completed', { type: 'sync_run', id: 'run-1' }, { connection_id: A }));
    await vi.advanceTimersByTimeAsync(100);
    expect(stale()).toEqual(
      names(
        keys.dashboard,
        keys.syncActivity(24),
        keys.connectionList({ page: 1 }),
        keys.connection(A),
        keys.connectionRuns(A, { page: 1 }),
        keys.connectionHealth(A),
        keys.run(A, 'run-1'),
        keys.connectionWebhooks(A),
        keys.events,
      ),
    );
    live.stop();
  });

  it('maps each kind of event to its caches', async () => {
    const cases: [EventItem, (readonly unknown[])[]][] = [
      [
        event('connection.created', { type: 'connection', id: B }),
        [
          keys.dashboard,
          keys.syncActivity(24),
          keys.connectionList({ page: 1 }),
          keys.connection(B),
          keys.connectionHealth(B),
          keys.catalogList({ page: 1 }),
          keys.events,
        ],
      ],
      [
        event('webhook.received', { type: 'webhook', id: 'wh-1' }, { connection_id: A }),
        [keys.dashboard, keys.syncActivity(24), keys.connectionWebhooks(A), keys.events],
      ],
      [
        event('webhook_endpoint.disabled', { type: 'webhook_endpoint', id: 'ep-1' }),
        [keys.webhookEndpoints, keys.events],
      ],
      [event('api_key.revoked', { type: 'api_key', id: 'key-1' }), [keys.apiKeys, keys.events]],
      [event('member.role_changed', { type: 'member', id: 'user-1' }), [keys.members, keys.me, keys.events]],
    ];
    for (const [item, expected] of cases) {
      const { socket, stale, live } = start();
      socket.emits(item);
      await vi.advanceTimersByTimeAsync(100);
      expect(stale(), item.type).toEqual(names(...expected));
      live.stop();
    }
  });

  it('invalidates each cache once for a burst of events (a replay)', async () => {
    const { socket, queryClient, live } = start();
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    for (let i = 0; i < 50; i += 1) {
      socket.emits(event('sync.run.started', { type: 'sync_run', id: `run-${i}` }, { connection_id: A }));
    }
    expect(invalidate).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    const invalidated = invalidate.mock.calls.map(([filters]) => JSON.stringify(filters?.queryKey));
    expect(invalidated.sort()).toEqual(
      names(keys.events, keys.audit, keys.connections, keys.dashboard, keys.connection(A)),
    );
    live.stop();
  });

  it('refetches everything on `resync`', async () => {
    const { socket, stale, queryClient, live } = start();
    socket.resync();
    await vi.advanceTimersByTimeAsync(0);
    expect(stale()).toHaveLength(queryClient.getQueryCache().getAll().length);
    live.stop();
  });

  it('shows live / reconnecting / offline', () => {
    const { socket, live } = start();
    const seen: string[] = [];
    live.subscribe(() => seen.push(live.getStatus()));
    expect(live.getStatus()).toBe('connecting');
    socket.serverConnects();
    socket.serverDrops();
    socket.reconnects();
    live.stop();
    expect(seen).toEqual(['live', 'reconnecting', 'live', 'offline']);
    expect(socket.disconnected).toBe(true);
  });

  it('renews a refused token and reconnects with the new one, once', async () => {
    const { socket, tokens, live } = start();
    socket.refuses('UNAUTHENTICATED');
    await vi.advanceTimersByTimeAsync(0);
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
    expect(socket.connects).toBe(1);
    expect(socket.handshakes.at(-1)?.token).toBe('token-2');
    // Refused again with the fresh token: no loop, the indicator says offline.
    socket.refuses('UNAUTHENTICATED');
    await vi.advanceTimersByTimeAsync(0);
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
    expect(socket.connects).toBe(1);
    expect(live.getStatus()).toBe('offline');
  });

  it('stays offline when refused another org, and forgets pending invalidations when stopped', async () => {
    const { socket, stale, live } = start();
    socket.refuses('FORBIDDEN');
    expect(live.getStatus()).toBe('offline');
    socket.emits(event('connection.updated', { type: 'connection', id: A }));
    live.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stale()).toEqual([]);
  });
});

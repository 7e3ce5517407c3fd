import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { TokenSource } from '../api/client';
import type { EventItem } from '../api/types';
import { keysFor } from './invalidation';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** What the handshake sends (web-common: token, org, and the last event id seen). */
export interface HandshakeAuth {
  token: string;
  org_id: string;
  since?: string;
}

/** The part of a Socket.io client socket the live client uses (a fake one in tests). */
export interface LiveSocket {
  /** False once the server refused the handshake: it then reconnects only when told to. */
  readonly active: boolean;
  onConnect(listener: () => void): void;
  onDisconnect(listener: (reason: string) => void): void;
  onConnectError(listener: (error: Error) => void): void;
  /** A reconnection attempt began (the manager's event, not the socket's). */
  onReconnectAttempt(listener: () => void): void;
  onEvent(listener: (item: EventItem) => void): void;
  onResync(listener: () => void): void;
  connect(): void;
  disconnect(): void;
}

/** Opens a socket; `auth` is called at every (re)connection, so it sends the current token and `since`. */
export type SocketFactory = (auth: () => HandshakeAuth) => LiveSocket;

export interface LiveClientOptions {
  connect: SocketFactory;
  orgId: string;
  tokens: TokenSource;
  queryClient: QueryClient;
  /** Events arriving within this window invalidate each cache once (a replay brings many). */
  batchMs?: number;
}

/**
 * One socket per session: events invalidate the caches they affect, `resync` refetches them all,
 * a refused token is renewed and the socket reconnected, and the last event id seen goes back to
 * the server as `since` so a reconnection replays what was missed.
 */
export class LiveClient {
  readonly #options: LiveClientOptions;
  readonly #batchMs: number;
  #socket: LiveSocket | undefined;
  #status: LiveStatus = 'connecting';
  readonly #listeners = new Set<() => void>();
  #lastEventId: string | undefined;
  readonly #pending = new Map<string, QueryKey>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #tokenRetried = false;
  #stopped = false;

  constructor(options: LiveClientOptions) {
    this.#options = options;
    this.#batchMs = options.batchMs ?? 250;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  readonly getStatus = (): LiveStatus => this.#status;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  start(): void {
    const { connect, orgId, tokens, queryClient } = this.#options;
    const socket = connect(() => ({
      token: tokens.accessToken() ?? '',
      org_id: orgId,
      ...(this.#lastEventId ? { since: this.#lastEventId } : {}),
    }));
    this.#socket = socket;
    socket.onConnect(() => {
      this.#tokenRetried = false;
      this.#setStatus('live');
    });
    socket.onDisconnect(() => this.#setStatus(socket.active ? 'reconnecting' : 'offline'));
    socket.onReconnectAttempt(() => this.#setStatus('reconnecting'));
    socket.onConnectError((error) => void this.#onConnectError(socket, error));
    socket.onEvent((item) => this.#onEvent(item));
    socket.onResync(() => void queryClient.invalidateQueries());
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#flushTimer);
    this.#pending.clear();
    this.#socket?.disconnect();
    this.#socket = undefined;
    this.#setStatus('offline');
  }

  async #onConnectError(socket: LiveSocket, error: Error): Promise<void> {
    if (error.message === 'UNAUTHENTICATED' && !this.#tokenRetried) {
      // The access token expired: renew it once and reconnect; the handshake reads the new one.
      this.#tokenRetried = true;
      this.#setStatus('reconnecting');
      if ((await this.#options.tokens.refresh()) && !this.#stopped) socket.connect();
      else this.#setStatus('offline');
      return;
    }
    // Socket.io retries a transport failure by itself; a refusal (a foreign org, a token still
    // refused after renewal) it does not.
    this.#setStatus(socket.active ? 'reconnecting' : 'offline');
  }

  #onEvent(item: EventItem): void {
    this.#lastEventId = item.id;
    for (const key of keysFor(item)) this.#pending.set(JSON.stringify(key), key);
    this.#flushTimer ??= setTimeout(() => this.#flush(), this.#batchMs);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const queryKeys = [...this.#pending.values()];
    this.#pending.clear();
    for (const queryKey of queryKeys) void this.#options.queryClient.invalidateQueries({ queryKey });
  }

  #setStatus(status: LiveStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    for (const listener of this.#listeners) listener();
  }
}

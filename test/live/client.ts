import { io, type Socket } from 'socket.io-client';
import type { EventItem } from '../../src/modules/events/view.js';

export interface HandshakeError extends Error {
  data?: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * A dashboard's socket as the browser opens it, recording what it receives: `event` items and
 * `resync` notices, in arrival order.
 */
export class LiveClient {
  readonly socket: Socket;
  /** Everything received, in order: an event item, or 'resync'. */
  readonly received: (EventItem | 'resync')[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(
    url: string,
    auth: Record<string, unknown>,
    options: { reconnection?: boolean; transports?: ('polling' | 'websocket')[] } = {},
  ) {
    this.socket = io(url, {
      path: '/socket.io',
      auth,
      forceNew: true,
      transports: options.transports ?? ['websocket'],
      reconnection: options.reconnection ?? false,
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
    });
    this.socket.on('event', (item: EventItem) => this.#record(item));
    this.socket.on('resync', () => this.#record('resync'));
  }

  /** The events received, without resync notices. */
  get events(): EventItem[] {
    return this.received.filter((r): r is EventItem => r !== 'resync');
  }

  /** Resolves once connected; rejects with the handshake's refusal. */
  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.connected) return resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
    });
  }

  /** Resolves with the handshake's refusal. */
  refused(): Promise<HandshakeError> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => reject(new Error('the handshake was accepted')));
      this.socket.once('connect_error', resolve);
    });
  }

  /** Resolves once an event with this id has been received (at once if it has). */
  eventWithId(id: string): Promise<EventItem> {
    return this.until(() => this.events.find((e) => e.id === id));
  }

  /** Resolves with the first non-undefined answer of `check`, asked after each reception. */
  until<T>(check: () => T | undefined): Promise<T> {
    return new Promise((resolve) => {
      const attempt = () => {
        const found = check();
        if (found === undefined) return false;
        this.#waiters.delete(waiter);
        resolve(found);
        return true;
      };
      const waiter = () => void attempt();
      if (!attempt()) this.#waiters.add(waiter);
    });
  }

  close(): void {
    this.socket.close();
  }

  #record(item: EventItem | 'resync'): void {
    this.received.push(item);
    for (const waiter of [...this.#waiters]) waiter();
  }
}

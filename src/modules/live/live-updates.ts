import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { App } from '../../app.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { InvalidationBus } from '../../platform/redis/invalidation.js';
import type { Redis } from '../../platform/redis/redis.js';
import { WakeLoop } from '../../platform/wake-loop.js';
import type { Services } from '../../services.js';
import type { Authenticator } from '../auth/authenticator.js';
import { PRINCIPALS_TOPIC } from '../auth/principal-cache.js';
import type { EventConsumer } from '../events/consumer.js';
import type { EventService } from '../events/service.js';
import type { StoredEvent } from '../events/store.js';
import { type EventItem, eventView } from '../events/view.js';
import { type Admission, admit, refusal } from './handshake.js';
import { type LiveRedisAdapter, liveRedisAdapter } from './redis-adapter.js';

/** The durable cursor of live updates in the outbox. */
export const LIVE_CONSUMER = 'live';

/** The most missed events a reconnecting client is sent; when more are missing it is told to resync. */
export const REPLAY_LIMIT = 1_000;

/** Sockets are checked against their credential on every change to credentials, and this often besides. */
const RECHECK_EVERY_MS = 5 * 60_000;

/** The room of an org's sockets. */
export const orgRoom = (orgId: string) => `org:${orgId}`;

/** What the server sends: an event as `GET /events` lists it; `resync` when missed events cannot be sent. */
export interface ServerToClient {
  event: (item: EventItem) => void;
  resync: () => void;
}

interface SocketData {
  admission: Admission;
}

type LiveServer = Server<Record<string, never>, ServerToClient, Record<string, never>, SocketData>;
type LiveSocket = Socket<Record<string, never>, ServerToClient, Record<string, never>, SocketData>;

export interface LiveDeps {
  events: EventService;
  authenticator: Authenticator;
  invalidation: InvalidationBus;
  logger: Logger;
  /** Scale-out: room broadcasts travel through it to every API process. */
  redis?: Redis;
  corsOrigins: readonly string[];
}

/**
 * Live updates over Socket.io at /socket.io, on the API's own HTTP server. A client authenticates
 * in its handshake and joins its org's room; the `live` outbox consumer (one process at a time,
 * by lease) emits every event to its org's room, and in scale-out the Redis adapter carries the
 * emit to the sockets of every API process. A client reconnecting with `since` is first sent what
 * it missed, from the outbox. Access is checked again on every change to credentials: a socket
 * whose credential no longer admits it loses its connection, and its reconnection is refused.
 */
export class LiveUpdates {
  readonly consumer: EventConsumer;
  readonly #io: LiveServer;
  readonly #redis: LiveRedisAdapter | undefined;
  readonly #recheck: WakeLoop;
  #started = false;
  #closing: Promise<void> | undefined;

  constructor(
    server: HttpServer,
    private readonly deps: LiveDeps,
  ) {
    this.#redis = deps.redis ? liveRedisAdapter(deps.redis, deps.logger) : undefined;
    this.#io = new Server(server, {
      path: '/socket.io',
      // The dashboard bundles its own client.
      serveClient: false,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      // Clients send nothing but their handshake.
      maxHttpBufferSize: 16_384,
      ...(deps.corsOrigins.length > 0 ? { cors: { origin: [...deps.corsOrigins], credentials: true } } : {}),
      ...(this.#redis ? { adapter: this.#redis.adapter } : {}),
    });
    this.#io.use((socket, next) => {
      admit(deps.authenticator, socket.handshake.auth).then(
        (admission) => {
          socket.data.admission = admission;
          next();
        },
        (err: unknown) => {
          if (!(err instanceof AppError)) deps.logger.error({ err }, 'live updates: handshake failed');
          next(refusal(err));
        },
      );
    });
    this.#io.on('connection', (socket) => void this.#welcome(socket));
    // Broadcasts from other processes were lost while the subscription was down.
    this.#redis?.onRecovered(() => this.#io.local.emit('resync'));
    this.consumer = deps.events.consumer(LIVE_CONSUMER, async (batch) => this.#broadcast(batch));
    this.#recheck = new WakeLoop(() => this.#recheckSockets(), {
      pollMs: RECHECK_EVERY_MS,
      onError: (err) => deps.logger.error({ err }, 'live updates: re-checking sockets failed'),
    });
    // A key revoked, a member removed or demoted, a session ended: notified in every process.
    deps.invalidation.on(PRINCIPALS_TOPIC, () => this.#recheck.wake());
  }

  /** Emits events as they commit, and re-checks sockets' access (the processes that serve the API). */
  start(): void {
    this.#started = true;
    this.consumer.start();
    this.#recheck.start();
  }

  /** Sockets connected to this process. */
  get localSockets(): number {
    return this.#io.of('/').sockets.size;
  }

  /**
   * Drops every connection without a goodbye, so that clients reconnect (to another process in
   * scale-out), and stops emitting. Socket.io also stops the HTTP server listening, at once, as
   * Fastify would right after; in-flight requests still finish before this resolves.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = this.#io.close();
      if (this.#started) await Promise.all([this.consumer.stop(), this.#recheck.stop()]);
      await closed;
      this.#redis?.close();
    })();
    return this.#closing;
  }

  async #broadcast(batch: readonly StoredEvent[]): Promise<void> {
    for (const event of batch) this.#io.to(orgRoom(event.org_id)).emit('event', eventView(event));
  }

  /**
   * Joins the socket to its org's room, then sends what it missed. Joined first, so nothing emitted
   * meanwhile is lost; an event committed during the replay can then arrive twice (at least once,
   * as the outbox delivers), and clients drop an id they have seen.
   */
  async #welcome(socket: LiveSocket): Promise<void> {
    const { orgId, since } = socket.data.admission;
    await socket.join(orgRoom(orgId));
    if (since === undefined) return;
    let missed: StoredEvent[] | undefined;
    try {
      missed = await this.deps.events.after(orgId, since, REPLAY_LIMIT + 1);
    } catch (err) {
      this.deps.logger.error({ err }, 'live updates: replay failed; the client is told to resync');
    }
    // Unknown (pruned) or too far behind: the client refetches what it shows.
    if (!missed || missed.length > REPLAY_LIMIT) {
      socket.emit('resync');
      return;
    }
    for (const event of missed) socket.emit('event', eventView(event));
  }

  /** Closes the transport of each socket its credential no longer admits; the handshake decides on its return. */
  async #recheckSockets(): Promise<void> {
    for (const socket of [...this.#io.of('/').sockets.values()]) {
      if (socket.disconnected) continue;
      try {
        await admit(this.deps.authenticator, socket.handshake.auth);
      } catch (err) {
        // Only the credential's answer counts: a database failure leaves sockets to the next pass.
        if (!(err instanceof AppError)) throw err;
        socket.conn.close();
      }
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Live updates, on the processes that serve the API. */
    live?: LiveUpdates;
  }
}

/** Attaches live updates to the app's HTTP server; they close with it. `start()` is the process role's. */
export function registerLiveUpdates(app: App, services: Services): LiveUpdates {
  const { ctx } = services;
  const live = new LiveUpdates(app.server, {
    events: services.events,
    authenticator: services.authenticator,
    invalidation: services.invalidation,
    logger: ctx.logger,
    redis: ctx.redis,
    corsOrigins: ctx.config.corsOrigins,
  });
  app.decorate('live', live);
  // Before the server closes: open WebSockets would hold its close until they end.
  app.addHook('preClose', () => live.close());
  return live;
}

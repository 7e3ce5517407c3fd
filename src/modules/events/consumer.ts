import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import { WakeLoop } from '../../platform/wake-loop.js';
import {
  advanceConsumer,
  type ConsumerCursor,
  eventsAfter,
  leaseConsumer,
  releaseConsumer,
  type StoredEvent,
} from './store.js';

/** Handles a batch of events, in order; throwing leaves them to be handed again. */
export type EventHandler = (events: readonly StoredEvent[]) => Promise<void>;

export interface ConsumerOptions {
  batchSize?: number;
  /** Reads this often without a wake-up: a missed notice, or events held back behind an open transaction. */
  pollMs?: number;
  /** How long a process keeps the consumer to itself after its last read. */
  leaseMs?: number;
}

/**
 * Reads the outbox after a durable cursor named `name` and hands events to `handler`, at least
 * once and in order: the cursor moves only after the handler returns, and a lease in the database
 * lets one process at a time read for a name. Woken after every commit that adds events (in this
 * process, or in another through Redis), and by a slow poll besides; the database is the truth.
 */
export class EventConsumer {
  readonly #owner = newId();
  readonly #loop: WakeLoop;
  #unsubscribe: (() => void) | undefined;
  readonly #batchSize: number;
  readonly #leaseMs: number;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      /** Has `wake()` called after commits that add events; returns the function that stops it. */
      subscribe: (consumer: EventConsumer) => () => void;
    },
    readonly name: string,
    private readonly handler: EventHandler,
    options: ConsumerOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? 100;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#loop = new WakeLoop(() => this.drain(), {
      pollMs: options.pollMs ?? 5_000,
      onError: (err) =>
        deps.logger.error({ err, consumer: name }, 'event consumer failed; retried on its next wake-up'),
    });
  }

  start(): void {
    this.#unsubscribe = this.deps.subscribe(this);
    this.#loop.start();
  }

  /** Reads what is new; a wake-up during a read starts another read after it. */
  wake(): void {
    this.#loop.wake();
  }

  /** Resolves once this consumer has read everything there is (tests wait on it). */
  idle(): Promise<void> {
    return this.#loop.idle();
  }

  /** Hands every readable event to the handler; returns how many. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const cursor = await this.#lease();
      if (!cursor) return handled;
      const events = await eventsAfter(this.deps.db, cursor, this.#batchSize);
      if (events.length === 0) return handled;
      await this.handler(events.map(({ seq: _seq, tx_id: _tx, ...event }) => event));
      const last = events[events.length - 1]!;
      const next: ConsumerCursor = { txId: last.tx_id, seq: last.seq };
      if (!(await advanceConsumer(this.deps.db, this.name, this.#owner, next, this.#now()))) return handled;
      handled += events.length;
      if (events.length < this.#batchSize) return handled;
    }
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#loop.stop();
    await releaseConsumer(this.deps.db, this.name, this.#owner);
  }

  #lease(): Promise<ConsumerCursor | undefined> {
    const now = this.deps.clock.now();
    return leaseConsumer(
      this.deps.db,
      this.name,
      this.#owner,
      now.toISOString(),
      new Date(now.getTime() + this.#leaseMs).toISOString(),
    );
  }

  #now(): string {
    return this.deps.clock.now().toISOString();
  }
}

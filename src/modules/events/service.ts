import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { Retention } from '../../platform/db/retention.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { InvalidationBus } from '../../platform/redis/invalidation.js';
import type { Caller } from '../auth/principal.js';
import { type ConsumerOptions, EventConsumer, type EventHandler } from './consumer.js';
import { deleteEventsBefore, type EventFilter, listEvents, orgEventsAfter } from './store.js';

const DAY_MS = 86_400_000;
/** Events are small rows: ten times the default batch deletes them in as little time. */
const PRUNE_BATCH = 10_000;
/** The notice topic (platform/redis/invalidation.ts) that wakes consumers in every process. */
const WAKE_TOPIC = 'events';

/** The event outbox: the org's event list, consumers and their wake-ups, retention. */
export class EventService {
  readonly #consumers = new Set<EventConsumer>();
  readonly #unwatch: () => void;
  #wakePending = false;
  readonly #retention: Retention;

  constructor(
    private readonly database: Pick<Database, 'db' | 'commits'>,
    private readonly bus: InvalidationBus,
    settings: { retentionDays: number },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#retention = new Retention(
      settings.retentionDays * DAY_MS,
      (cutoff, limit) => deleteEventsBefore(database.db, cutoff.toISOString(), limit),
      PRUNE_BATCH,
    );
    bus.on(WAKE_TOPIC, () => {
      for (const consumer of this.#consumers) consumer.wake();
    });
    // One notice per turn of the event loop however many events committed in it: on the run hot
    // path, a Redis publish per event would cost more than the insert.
    this.#unwatch = database.commits.on('events', () => {
      if (this.#wakePending) return;
      this.#wakePending = true;
      setImmediate(() => {
        this.#wakePending = false;
        void this.bus.notify(WAKE_TOPIC);
      });
    });
  }

  list({ orgId }: Caller, filter: EventFilter, limit: number) {
    return listEvents(this.database.db, orgId, filter, limit);
  }

  /**
   * The org's events after its event `sinceId` in the order consumers read them, `limit` at most;
   * undefined when `sinceId` is not one of its events (pruned, or never its).
   */
  after(orgId: string, sinceId: string, limit: number) {
    return orgEventsAfter(this.database.db, orgId, sinceId, limit);
  }

  /** A consumer reading after its durable cursor `name`; call `start()` to run it. */
  consumer(name: string, handler: EventHandler, options?: ConsumerOptions): EventConsumer {
    const subscribe = (consumer: EventConsumer) => {
      this.#consumers.add(consumer);
      return () => this.#consumers.delete(consumer);
    };
    return new EventConsumer(
      { db: this.database.db, clock: this.clock, logger: this.logger, subscribe },
      name,
      handler,
      options,
    );
  }

  /** Deletes events past the retention period; at most once an hour, in bounded batches. */
  prune(now: Date): Promise<number> {
    return this.#retention.prune(now);
  }

  async close(): Promise<void> {
    this.#unwatch();
    await Promise.all([...this.#consumers].map((c) => c.stop()));
  }
}

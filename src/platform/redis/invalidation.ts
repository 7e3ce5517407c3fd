import type { Logger } from '../logging/logger.js';
import type { Redis } from './redis.js';

type Handler = () => void;

/**
 * Tells every process that something cached has changed (an API key revoked, a role changed), so
 * that caches can be kept without weakening "takes effect on the next request". In embedded mode
 * the handlers just run; in scale-out the notice also travels over Redis pub/sub. While the
 * subscription is down, `reliable` is false and caches must not be trusted; when it comes back,
 * every handler runs, since notices may have been missed meanwhile.
 */
export class InvalidationBus {
  readonly #handlers = new Map<string, Handler[]>();
  readonly #subscriber: Redis | undefined;
  readonly #channel: string;

  constructor(
    private readonly publisher: Redis | undefined,
    private readonly logger: Logger,
  ) {
    this.#channel = `${publisher?.options.keyPrefix ?? ''}invalidate`;
    if (!publisher) return;
    // A connection in subscriber mode can do nothing else, so it is a connection of its own.
    this.#subscriber = publisher.duplicate({ keyPrefix: '', enableOfflineQueue: true });
    this.#subscriber.on('ready', () => this.#runAll());
    this.#subscriber.on('message', (_channel: string, topic: string) => this.#run(topic));
    this.#subscriber
      .subscribe(this.#channel)
      .catch((err: unknown) => this.logger.warn({ err }, 'invalidation subscription failed'));
  }

  /** True when a notice from any process is sure to arrive. */
  get reliable(): boolean {
    return this.#subscriber === undefined || this.#subscriber.status === 'ready';
  }

  on(topic: string, handler: Handler): void {
    this.#handlers.set(topic, [...(this.#handlers.get(topic) ?? []), handler]);
  }

  /** Runs the topic's handlers here and, in scale-out, in every other process. */
  async notify(topic: string): Promise<void> {
    this.#run(topic);
    if (!this.publisher) return;
    try {
      await this.publisher.publish(this.#channel, topic);
    } catch (err) {
      this.logger.warn(
        { err, topic },
        'could not broadcast an invalidation; other processes see it when Redis returns',
      );
    }
  }

  close(): void {
    this.#subscriber?.disconnect();
  }

  #run(topic: string): void {
    for (const handler of this.#handlers.get(topic) ?? []) handler();
  }

  #runAll(): void {
    for (const topic of this.#handlers.keys()) this.#run(topic);
  }
}

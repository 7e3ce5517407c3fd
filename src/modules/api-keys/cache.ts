import { LRUCache } from 'lru-cache';
import type { InvalidationBus } from '../../platform/redis/invalidation.js';
import type { Principal } from '../auth/principal.js';

export const API_KEYS_TOPIC = 'api_keys';

/** A key that is not revoked: who it acts as, and until when (checked on every use). */
export interface LiveKey {
  principal: Principal;
  expiresAt: number;
}

/**
 * Valid API keys by hash, so that an authenticated request needs no database read (bench/auth).
 * Anything that revokes or rotates a key or changes a role notifies API_KEYS_TOPIC, which empties
 * the cache in every process. A lookup started before a notice never fills the cache after it
 * (the generation check), and the cache is bypassed while notices might be missed.
 */
export class ApiKeyCache {
  readonly #entries = new LRUCache<string, LiveKey>({ max: 10_000 });
  #generation = 0;

  constructor(private readonly bus: InvalidationBus) {
    bus.on(API_KEYS_TOPIC, () => {
      this.#generation += 1;
      this.#entries.clear();
    });
  }

  get generation(): number {
    return this.#generation;
  }

  get(hash: string): LiveKey | undefined {
    return this.bus.reliable ? this.#entries.get(hash) : undefined;
  }

  /** Remembers a key read at `generation`, unless a change was notified since. */
  remember(hash: string, record: LiveKey, generation: number): void {
    if (generation === this.#generation && this.bus.reliable) this.#entries.set(hash, record);
  }

  /** After a committed change to keys or roles: forget, here and in every process. */
  invalidate(): Promise<void> {
    return this.bus.notify(API_KEYS_TOPIC);
  }
}

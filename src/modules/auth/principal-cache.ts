import { LRUCache } from 'lru-cache';
import type { InvalidationBus } from '../../platform/redis/invalidation.js';
import type { Principal } from './principal.js';

export const PRINCIPALS_TOPIC = 'principals';

/** Who a credential acts as right now, and until when (null: until its token expires). */
export interface LivePrincipal {
  principal: Principal;
  expiresAt: number | null;
}

/**
 * The current state behind each credential (an API key by hash, a login session by id), so that an
 * authenticated request needs no database read (bench/auth). Anything that changes that state —
 * a key revoked or rotated, a membership removed or its role changed, a user (de)activated, a
 * session ended — notifies PRINCIPALS_TOPIC after its commit, which empties the cache in every
 * process. A lookup started before a notice never fills the cache after it (the generation
 * check), and the cache is bypassed while notices might be missed.
 */
export class PrincipalCache {
  readonly #entries = new LRUCache<string, LivePrincipal>({ max: 10_000 });
  #generation = 0;

  constructor(private readonly bus: InvalidationBus) {
    bus.on(PRINCIPALS_TOPIC, () => {
      this.#generation += 1;
      this.#entries.clear();
    });
  }

  get generation(): number {
    return this.#generation;
  }

  /** `id` is the API key's hash, or the session id of a user's access token. */
  get(kind: Principal['kind'], id: string): LivePrincipal | undefined {
    return this.bus.reliable ? this.#entries.get(`${kind}:${id}`) : undefined;
  }

  /** Remembers a state read at `generation`, unless a change was notified since. */
  remember(kind: Principal['kind'], id: string, live: LivePrincipal, generation: number): void {
    if (generation === this.#generation && this.bus.reliable) this.#entries.set(`${kind}:${id}`, live);
  }

  /** After a committed change to keys, memberships, users or sessions: forget, here and everywhere. */
  invalidate(): Promise<void> {
    return this.bus.notify(PRINCIPALS_TOPIC);
  }
}

import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { addApiKeyUsage } from './store.js';

interface Pending {
  count: number;
  /** Epoch milliseconds: formatting a date on every request is a measurable cost. */
  lastUsedAt: number;
}

/**
 * Counts API key use in memory and writes it in batches, so that an authenticated request costs no
 * database write. A crash loses at most one interval of counts, never a key.
 */
export class ApiKeyUsage {
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  record(keyId: string, at: Date): void {
    const entry = this.#pending.get(keyId);
    if (entry) {
      entry.count += 1;
      entry.lastUsedAt = at.getTime();
    } else {
      this.#pending.set(keyId, { count: 1, lastUsedAt: at.getTime() });
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((err: unknown) => this.logger.error({ err }, 'could not record API key usage'));
    }, this.intervalMs).unref();
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const [id, { count, lastUsedAt }] of batch) {
          await addApiKeyUsage(tx, id, count, new Date(lastUsedAt).toISOString());
        }
      });
    } catch (error) {
      // Put the counts back so the next flush writes them.
      for (const [id, p] of batch) {
        const now = this.#pending.get(id);
        this.#pending.set(id, now ? { count: now.count + p.count, lastUsedAt: now.lastUsedAt } : p);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}

/** Deletes up to `limit` rows from before `cutoff`; how many it deleted. */
export type DeleteBefore = (cutoff: Date, limit: number) => Promise<number>;

const PRUNE_EVERY_MS = 3_600_000;

/**
 * A table's retention: rows older than `keepMs` deleted at most once an hour (the background loop
 * asks on every tick, and finding them scans an index), a batch at a time, so that no one delete
 * holds the write lock (all of SQLite's) for long.
 */
export class Retention {
  #nextAt = 0;

  constructor(
    private readonly keepMs: number,
    private readonly deleteBefore: DeleteBefore,
    private readonly batch = 1_000,
  ) {}

  /** Deletes what is past its time, if the last pass is an hour old; how many rows went. */
  async prune(now: Date): Promise<number> {
    if (now.getTime() < this.#nextAt) return 0;
    this.#nextAt = now.getTime() + PRUNE_EVERY_MS;
    const cutoff = new Date(now.getTime() - this.keepMs);
    let deleted = 0;
    for (;;) {
      const count = await this.deleteBefore(cutoff, this.batch);
      deleted += count;
      if (count < this.batch) return deleted;
    }
  }
}

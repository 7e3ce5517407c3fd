import type { RunLogger } from '../../../connectors/sdk.js';
import { newId } from '../../../platform/ids.js';
import { emptyLogCounts, type LogCounts, type LogLevel, type RunLogEntry } from '../model.js';

/**
 * A run's log, buffered: entries are written with the batch they belong to (one transaction), so
 * the log never claims more than what was committed. Counts accumulate across attempts.
 */
export class RunLog implements RunLogger {
  #entries: RunLogEntry[] = [];
  readonly counts: LogCounts;

  constructor(
    private readonly now: () => Date,
    counts: Partial<LogCounts> = {},
  ) {
    this.counts = { ...emptyLogCounts(), ...counts };
  }

  log(
    level: LogLevel,
    message: string,
    extra: { details?: Record<string, unknown>; source?: string; itemRef?: string } = {},
  ): void {
    this.counts[level] += 1;
    this.#entries.push({
      id: newId(),
      level,
      message,
      details: extra.details ?? null,
      source: extra.source ?? null,
      item_ref: extra.itemRef ?? null,
      created_at: this.now().toISOString(),
    });
  }

  /** The entries not yet written; the caller writes them in its transaction. */
  take(): RunLogEntry[] {
    const entries = this.#entries;
    this.#entries = [];
    return entries;
  }

  /** Taken entries that were not written after all (their transaction failed): no longer counted. */
  forget(entries: RunLogEntry[]): void {
    for (const entry of entries) this.counts[entry.level] -= 1;
  }
}

import { sql } from 'kysely';
import type { EvidenceItem, SyncRecord } from '../../../connectors/sdk.js';
import { QueryTemplate } from '../../../platform/db/query-template.js';
import type { LogCounts, RunLogEntry, RunStats, RunStatus } from '../model.js';
import { contentHash, type RecordScope, type StoredRecord, type WriteCounts } from './record-writer.js';

/** Thrown into a run whose row is no longer this worker's: cancelled, or reaped after a lost lease. */
export class RunLostError extends Error {
  override readonly name = 'RunLostError';
}

/**
 * Storing a batch failed in the database, not in the connector. `code` is the database's own (an
 * SQLite result code, a PostgreSQL SQLSTATE, a socket error), which tells a passing condition (busy,
 * disk full, connection lost) from a lasting one.
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** A database error from storing a batch as a StorageError; RunLostError as it is. */
export function storageError(error: unknown): Error {
  if (error instanceof RunLostError || error instanceof StorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new StorageError(
    error instanceof Error ? error.message : String(error),
    typeof code === 'string' ? code : null,
  );
}

/** The stats a sink counts itself as it writes records; the executor counts the others. */
export type RecordCounts = Pick<RunStats, 'items_synced' | 'items_created' | 'items_updated'>;

/**
 * One batch to store with its cursor, evidence and log lines, and the run's progress as of it: plain
 * data, so that it can be posted to the writer thread. A sink commits it all or nothing, and only
 * while the run is still `running` under `owner`.
 */
export interface BatchWrite {
  scope: RecordScope;
  owner: string;
  entity: string;
  records: StoredRecord[];
  cursor: string | null;
  evidence: EvidenceItem[];
  logs: RunLogEntry[];
  /** Every stat but the record counts, as of this batch. */
  counted: Omit<RunStats, keyof RecordCounts>;
  /** The record counts the attempt started from: the sink adds what it writes. */
  base: RecordCounts;
  log_counts: LogCounts;
  error_details: Record<string, unknown> | null;
  at: string;
}

/**
 * Where an attempt's batches are stored. Writes commit in the order they were made; once one fails,
 * every later one fails with the same error, so no cursor is ever saved past records that were not.
 */
export interface BatchSink {
  write(batch: BatchWrite): Promise<WriteCounts>;
  /** How many writes may be in flight before the executor waits for the oldest. */
  readonly window: number;
  /** The attempt has no more batches (idempotent). */
  close(): void;
}

/** Opens a sink per attempt: SQLite's store on the record thread, PostgreSQL's a statement a batch. */
export interface BatchStorage {
  open(): BatchSink;
  close(): Promise<void>;
}

/**
 * A page's records as stored: the last copy of an id wins when a page repeats one. Hashed here, on
 * the thread that fetches: SQLite's record thread is the busier one (bench/sync profile).
 */
export function storedRecords(records: SyncRecord[]): StoredRecord[] {
  const byId = new Map<string, StoredRecord>();
  for (const record of records) {
    const id = String(record.id);
    const json = JSON.stringify(record.data);
    byId.set(id, { id, json, hash: contentHash(json) });
  }
  return [...byId.values()];
}

/** The run's stats after a write: what the executor counted, plus the records written so far. */
export function statsAfter(batch: BatchWrite, written: RecordCounts): RunStats {
  const { counted, base } = batch;
  return {
    items_synced: base.items_synced + written.items_synced,
    items_created: base.items_created + written.items_created,
    items_updated: base.items_updated + written.items_updated,
    items_deleted: counted.items_deleted,
    items_failed: counted.items_failed,
    items_skipped: counted.items_skipped,
    evidence_collected: counted.evidence_collected,
    bytes_transferred: counted.bytes_transferred,
  };
}

/** Adds a write's counts to an attempt's record counts. */
export function addCounts(total: RecordCounts, counts: WriteCounts): void {
  total.items_synced += counts.created + counts.updated + counts.unchanged;
  total.items_created += counts.created;
  total.items_updated += counts.updated;
}

export function noCounts(): RecordCounts {
  return { items_synced: 0, items_created: 0, items_updated: 0 };
}

/** A batch's stats so far on its run, if the run is still this worker's (running, its lease). */
const RUN_PROGRESS_SLOTS = ['stats', 'log_counts', 'error_details', 'updated_at', 'id', 'owner'] as const;

export const RUN_PROGRESS = new QueryTemplate(RUN_PROGRESS_SLOTS, (db, slot) =>
  db
    .updateTable('sync_runs')
    .set({
      // JSON values: the template sends them as JSON text, as every query does.
      stats: sql<Record<string, number>>`${slot.stats}`,
      log_counts: sql<Record<string, number>>`${slot.log_counts}`,
      error_details: sql<Record<string, unknown> | null>`${slot.error_details}`,
      updated_at: slot.updated_at,
    })
    .where('id', '=', slot.id)
    .where('status', '=', 'running' satisfies RunStatus)
    .where('lease_owner', '=', slot.owner),
);

/**
 * The values of RUN_PROGRESS for a batch: its run's stats once its records (`counts`) are added to
 * what its attempt wrote before it, and the rest as the batch carries them.
 */
export function runProgress(
  batch: BatchWrite,
  writtenBefore: RecordCounts,
  counts: WriteCounts,
): Record<(typeof RUN_PROGRESS_SLOTS)[number], unknown> {
  const written = { ...writtenBefore };
  addCounts(written, counts);
  return {
    stats: statsAfter(batch, written),
    log_counts: batch.log_counts,
    error_details: batch.error_details,
    updated_at: batch.at,
    id: batch.scope.runId,
    owner: batch.owner,
  };
}

import type BetterSqlite3 from 'better-sqlite3';
import { newId } from '../../platform/ids.js';
import { addCounts, type BatchWrite, type RecordCounts, RunLostError, statsAfter } from './batch-sink.js';
import type { RunStatus } from './model.js';
import { compareRecords, evidenceHash, type StoredState, type WriteCounts } from './record-writer.js';

/**
 * The statements of one batch on SQLite, prepared once per connection. They say what the
 * PostgreSQL path says through Kysely (record-writer.ts, batch-sink.ts); here straight through
 * better-sqlite3, because on the record thread every microsecond per page is the sync's throughput.
 */
const SQL = {
  lookup: `select external_id, content_hash, deleted_at from sync_records
    where connection_id = ? and entity = ? and external_id in (select value from json_each(?))`,
  upsert: `insert into sync_records (connection_id, entity, external_id, org_id, content_hash, data,
      last_seen_run_id, deleted_at, created_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, null, ?, ?)
    on conflict (connection_id, entity, external_id) do update set content_hash = excluded.content_hash,
      data = excluded.data, last_seen_run_id = excluded.last_seen_run_id, deleted_at = null,
      updated_at = excluded.updated_at`,
  seen: `update sync_records set last_seen_run_id = ?
    where connection_id = ? and entity = ? and external_id in (select value from json_each(?))`,
  cursor: `insert into sync_cursors (connection_id, entity, cursor, run_id, updated_at) values (?, ?, ?, ?, ?)
    on conflict (connection_id, entity) do update set cursor = excluded.cursor, run_id = excluded.run_id,
      updated_at = excluded.updated_at`,
  evidence: `insert into sync_evidence (id, org_id, connection_id, run_id, kind, summary, content_hash, data,
    collected_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  log: `insert into sync_run_logs (id, run_id, org_id, level, message, details, source, item_ref, created_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  progress: `update sync_runs set stats = ?, log_counts = ?, error_details = ?, updated_at = ?
    where id = ? and status = '${'running' satisfies RunStatus}' and lease_owner = ?`,
} as const;

type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement };

/** Stores batches on one SQLite connection; each write in the caller's transaction. */
export class SqliteBatchStore {
  readonly #statements: Statements;

  constructor(db: BetterSqlite3.Database) {
    this.#statements = Object.fromEntries(
      Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)]),
    ) as Statements;
  }

  /**
   * One batch: its records (created, updated, or only marked seen), cursor, evidence, log lines and
   * the run's progress, given the record counts its attempt wrote before it. Throws RunLostError,
   * and the caller rolls back, when the run is no longer `running` under the batch's owner.
   */
  write(batch: BatchWrite, writtenBefore: RecordCounts): WriteCounts {
    const s = this.#statements;
    const { scope, entity, at } = batch;
    const counts: WriteCounts = { created: 0, updated: 0, unchanged: 0 };
    if (batch.records.length > 0) {
      const ids = JSON.stringify(batch.records.map((r) => r.id));
      const stored = s.lookup.all(scope.connectionId, entity, ids) as StoredState[];
      const { changed, unchanged } = compareRecords(batch.records, stored, counts);
      for (const r of changed) {
        s.upsert.run(scope.connectionId, entity, r.id, scope.orgId, r.hash, r.json, scope.runId, at, at);
      }
      if (unchanged.length > 0)
        s.seen.run(scope.runId, scope.connectionId, entity, JSON.stringify(unchanged));
    }
    if (batch.cursor) s.cursor.run(scope.connectionId, entity, batch.cursor, scope.runId, at);
    for (const item of batch.evidence) {
      s.evidence.run(
        newId(),
        scope.orgId,
        scope.connectionId,
        scope.runId,
        item.kind,
        item.summary,
        evidenceHash(item.data),
        JSON.stringify(item.data),
        at,
      );
    }
    for (const line of batch.logs) {
      s.log.run(
        line.id,
        scope.runId,
        scope.orgId,
        line.level,
        line.message,
        line.details === null ? null : JSON.stringify(line.details),
        line.source,
        line.item_ref,
        line.created_at,
      );
    }
    const written = { ...writtenBefore };
    addCounts(written, counts);
    const owned = s.progress.run(
      JSON.stringify(statsAfter(batch, written)),
      JSON.stringify(batch.log_counts),
      batch.error_details === null ? null : JSON.stringify(batch.error_details),
      at,
      scope.runId,
      batch.owner,
    );
    if (owned.changes === 0) throw new RunLostError('run cancelled or taken over');
    return counts;
  }
}

import type BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { QueryTemplate } from '../../../platform/db/query-template.js';
import { JsonSqliteDialect } from '../../../platform/db/sqlite.js';
import type { Tables } from '../../../platform/db/tables.js';
import { newId } from '../../../platform/ids.js';
import { type BatchWrite, type RecordCounts, RUN_PROGRESS, RunLostError, runProgress } from './batch-sink.js';
import {
  CURSOR_UPSERT,
  compareRecords,
  evidenceHash,
  type StoredState,
  type WriteCounts,
} from './record-writer.js';

/**
 * The statements of one batch on SQLite, prepared once per connection, straight through
 * better-sqlite3: on the record thread every microsecond per page is the sync's throughput. The
 * cursor upsert and the run's progress (with its ownership check) are the PostgreSQL path's own
 * templates, compiled for SQLite; the records' statements differ from PostgreSQL's (arrays there).
 */
const SQL = {
  lookup: `select external_id, content_hash, deleted_at from sync_records
    where connection_id = ? and entity = ? and external_id in (select value from json_each(?))`,
  seen: `update sync_records set last_seen_run_id = ?
    where connection_id = ? and entity = ? and external_id in (select value from json_each(?))`,
  evidence: `insert into sync_evidence (id, org_id, connection_id, run_id, kind, summary, content_hash, data,
    collected_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  log: `insert into sync_run_logs (id, run_id, org_id, level, message, details, source, item_ref, created_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
} as const;

type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement };

/**
 * Rows per records upsert: one statement for many rows took 10-25% less per row than one each in a
 * better-sqlite3 microbench of 100k rows (fewer calls into better-sqlite3 and SQLite), and the
 * record thread is where the sync's time goes.
 */
const UPSERT_ROWS = 25;

/** The records upsert for `rows` rows: nine parameters a row. */
function upsertSql(rows: number): string {
  const row = '(?, ?, ?, ?, ?, ?, ?, null, ?, ?)';
  return `insert into sync_records (connection_id, entity, external_id, org_id, content_hash, data,
      last_seen_run_id, deleted_at, created_at, updated_at)
    values ${Array.from({ length: rows }, () => row).join(', ')}
    on conflict (connection_id, entity, external_id) do update set content_hash = excluded.content_hash,
      data = excluded.data, last_seen_run_id = excluded.last_seen_run_id, deleted_at = null,
      updated_at = excluded.updated_at`;
}

/** The shared templates' statements, prepared on `db`, each run with its named values. */
function preparedTemplates(db: BetterSqlite3.Database) {
  // Kysely only compiles them for SQLite here: it never runs a query on this connection.
  const compiler: Db = new Kysely<Tables>({ dialect: new JsonSqliteDialect({ database: db }) });
  const prepared = <Slot extends string>(template: QueryTemplate<Slot>) => {
    const { sql, parameters } = template.compiled(compiler);
    const statement = db.prepare(sql);
    return (values: Record<Slot, unknown>) => statement.run(...parameters(values));
  };
  return { saveCursor: prepared(CURSOR_UPSERT), progress: prepared(RUN_PROGRESS) };
}

/** Stores batches on one SQLite connection; each write in the caller's transaction. */
export class SqliteBatchStore {
  readonly #statements: Statements;
  readonly #templates: ReturnType<typeof preparedTemplates>;
  /** Upserts by row count (1 … UPSERT_ROWS), prepared when first needed. */
  readonly #upserts = new Map<number, BetterSqlite3.Statement>();

  constructor(private readonly db: BetterSqlite3.Database) {
    this.#statements = Object.fromEntries(
      Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)]),
    ) as Statements;
    this.#templates = preparedTemplates(db);
  }

  #upsert(rows: number): BetterSqlite3.Statement {
    let statement = this.#upserts.get(rows);
    if (!statement) {
      statement = this.db.prepare(upsertSql(rows));
      this.#upserts.set(rows, statement);
    }
    return statement;
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
      for (let i = 0; i < changed.length; i += UPSERT_ROWS) {
        const rows = changed.slice(i, i + UPSERT_ROWS);
        const values: string[] = [];
        for (const r of rows) {
          values.push(scope.connectionId, entity, r.id, scope.orgId, r.hash, r.json, scope.runId, at, at);
        }
        this.#upsert(rows.length).run(values);
      }
      if (unchanged.length > 0)
        s.seen.run(scope.runId, scope.connectionId, entity, JSON.stringify(unchanged));
    }
    if (batch.cursor) {
      this.#templates.saveCursor({
        connection_id: scope.connectionId,
        entity,
        cursor: batch.cursor,
        run_id: scope.runId,
        updated_at: at,
      });
    }
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
    const owned = this.#templates.progress(runProgress(batch, writtenBefore, counts));
    if (owned.changes === 0) throw new RunLostError('run cancelled or taken over');
    return counts;
  }
}

import { CompiledQuery } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import { prepareStatement } from '../../../platform/db/prepared-statements.js';
import { newId } from '../../../platform/ids.js';
import {
  addCounts,
  type BatchSink,
  type BatchStorage,
  type BatchWrite,
  noCounts,
  RunLostError,
  statsAfter,
  storageError,
} from './batch-sink.js';
import { evidenceHash, type WriteCounts } from './record-writer.js';

/**
 * A batch on PostgreSQL as one statement: one round trip and one commit a page, where a transaction
 * of separate queries took seven (bench/sync on PostgreSQL). Every part of it sees the table as it
 * was before the statement, so `counts` compares the page with what was stored, as SQLite's
 * compareRecords does, and the writes below it take their values from it:
 *
 * - `counts`: each record against its stored row, looked up by its whole key (a lookup by an IN
 *   list was planned as a scan of the connection's rows, growing with every page);
 * - `run`: the run's progress, and its ownership check: the other writes happen only if it matched;
 * - `records`: new and changed records written, unchanged ones only marked seen by this run;
 * - `cursor`, `evidence`, `logs`: as the batch carries them.
 *
 * Parameters: $1 connection, $2 entity, $3 run, $4 owner, $5 batch time, $6-$8 the page's ids,
 * hashes and JSON texts, $9 the run's stats before this page's records, $10 log counts,
 * $11 error details, $12 cursor (or null), $13 evidence rows, $14 log rows (JSON arrays).
 */
const BATCH = `
with page as (
  select * from unnest($6::text[], $7::text[], $8::text[]) as p (external_id, content_hash, data)
),
compared as (
  select p.external_id,
    s.external_id is null as created,
    s.external_id is not null and (s.content_hash <> p.content_hash or s.deleted_at is not null) as updated
  from page p left join lateral (
    select r.external_id, r.content_hash, r.deleted_at from sync_records r
    where r.connection_id = $1 and r.entity = $2 and r.external_id = p.external_id
  ) s on true
),
counts as (
  select count(*) filter (where created)::int as created,
    count(*) filter (where updated)::int as updated,
    count(*) filter (where not created and not updated)::int as unchanged
  from compared
),
-- The connection's key lock before the run's row lock (the records' foreign key takes it anyway):
-- the order in which a cancel or a finish locks them (lockConnectionOfRun). The other way round, a
-- cancel holding the connection waited on this run while this waited on the connection: a deadlock.
owner as (
  select id from integration_connections where id = $1 for key share
),
run as (
  update sync_runs set
    stats = $9::jsonb || jsonb_build_object(
      'items_synced', ($9::jsonb ->> 'items_synced')::int + c.created + c.updated + c.unchanged,
      'items_created', ($9::jsonb ->> 'items_created')::int + c.created,
      'items_updated', ($9::jsonb ->> 'items_updated')::int + c.updated),
    log_counts = $10::jsonb, error_details = $11::jsonb, updated_at = $5::timestamptz
  from counts c, owner
  where sync_runs.id = $3 and status = 'running' and lease_owner = $4
  returning sync_runs.id, sync_runs.org_id
),
records as (
  insert into sync_records as r (connection_id, entity, external_id, org_id, content_hash, data,
    last_seen_run_id, deleted_at, created_at, updated_at)
  select $1, $2, p.external_id, run.org_id, p.content_hash, p.data::jsonb, run.id, null,
    $5::timestamptz, $5::timestamptz
  from page p join compared c using (external_id) cross join run
  where c.created or c.updated
  on conflict (connection_id, entity, external_id) do update set content_hash = excluded.content_hash,
    data = excluded.data, last_seen_run_id = excluded.last_seen_run_id, deleted_at = null,
    updated_at = excluded.updated_at
),
seen as (
  update sync_records r set last_seen_run_id = run.id
  from compared c cross join run
  where r.connection_id = $1 and r.entity = $2 and r.external_id = c.external_id
    and not c.created and not c.updated
),
cursor as (
  insert into sync_cursors (connection_id, entity, cursor, run_id, updated_at)
  select $1, $2, $12, run.id, $5::timestamptz from run where $12::text is not null
  on conflict (connection_id, entity) do update set cursor = excluded.cursor, run_id = excluded.run_id,
    updated_at = excluded.updated_at
),
evidence as (
  insert into sync_evidence (id, org_id, connection_id, run_id, kind, summary, content_hash, data,
    collected_at)
  select e.id, run.org_id, $1, run.id, e.kind, e.summary, e.content_hash, e.data, $5::timestamptz
  from jsonb_to_recordset($13::jsonb) as e (id text, kind text, summary text, content_hash text, data jsonb)
  cross join run
),
logs as (
  insert into sync_run_logs (id, run_id, org_id, level, message, details, source, item_ref, created_at)
  select l.id, run.id, run.org_id, l.level, l.message, l.details, l.source, l.item_ref, l.created_at
  from jsonb_to_recordset($14::jsonb) as l (id text, level text, message text, details jsonb,
    source text, item_ref text, created_at timestamptz)
  cross join run
)
select (select count(*) from run)::int as owned, c.created, c.updated, c.unchanged from counts c`;
prepareStatement(BATCH);

interface BatchResult extends WriteCounts {
  owned: number;
}

/**
 * Stores through the process's own connection pool (PostgreSQL): each batch one statement, one after
 * another. A PostgreSQL server runs apart from this process already, so there is no thread to gain.
 */
export class PostgresBatchSink implements BatchSink {
  readonly window = 1;
  #tail: Promise<unknown> = Promise.resolve();
  readonly #written = noCounts();

  constructor(private readonly db: Db) {}

  /** Storage whose sinks store through `db`. */
  static storage(db: Db): BatchStorage {
    return { open: () => new PostgresBatchSink(db), close: async () => {} };
  }

  write(batch: BatchWrite): Promise<WriteCounts> {
    const written = this.#tail.then(() =>
      this.#store(batch).catch((error: unknown) => {
        throw storageError(error);
      }),
    );
    this.#tail = written;
    return written;
  }

  close(): void {}

  async #store(batch: BatchWrite): Promise<WriteCounts> {
    const { scope, records } = batch;
    const { rows } = await this.db.executeQuery<BatchResult>(
      CompiledQuery.raw(BATCH, [
        scope.connectionId,
        batch.entity,
        scope.runId,
        batch.owner,
        batch.at,
        // pg sends each JS array as a PostgreSQL array literal.
        records.map((r) => r.id),
        records.map((r) => r.hash),
        records.map((r) => r.json),
        JSON.stringify(statsAfter(batch, this.#written)),
        JSON.stringify(batch.log_counts),
        batch.error_details === null ? null : JSON.stringify(batch.error_details),
        batch.cursor,
        JSON.stringify(
          batch.evidence.map((item) => ({ ...item, id: newId(), content_hash: evidenceHash(item.data) })),
        ),
        JSON.stringify(batch.logs),
      ]),
    );
    const [result] = rows;
    // Cancelled or reaped meanwhile: nothing of this batch was written.
    if (!result || result.owned === 0) throw new RunLostError('run cancelled or taken over');
    const counts = { created: result.created, updated: result.updated, unchanged: result.unchanged };
    addCounts(this.#written, counts);
    return counts;
  }
}

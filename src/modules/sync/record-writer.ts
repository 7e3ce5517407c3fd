import { createHash, hash } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { EvidenceItem, SyncRecord } from '../../connectors/sdk.js';
import { type Db, isPostgres } from '../../platform/db/database.js';
import { QueryTemplate } from '../../platform/db/query-template.js';
import { newId } from '../../platform/ids.js';

export interface RecordScope {
  orgId: string;
  connectionId: string;
  runId: string;
}

export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
}

// Rows per statement: well under SQLite's bound-parameter limit with ten columns a row.
const CHUNK = 500;

/** Change detection, not security: any stable digest of the record as the provider sent it. */
function contentHash(json: string): string {
  return hash('sha1', json, 'base64url');
}

// The shape of one row of the SQLite upsert, in column order: it stands for every row when the
// statement is compiled (its values are never sent), and the parameters follow it row after row.
const ROW_SHAPE = {
  connection_id: '',
  entity: '',
  external_id: '',
  org_id: '',
  content_hash: '',
  data: {},
  last_seen_run_id: '',
  deleted_at: '',
  created_at: '',
  updated_at: '',
};
const COLUMNS = Object.keys(ROW_SHAPE).length;

// Keyed by the dialect's adapter: the same for a database and every transaction on it.
const upserts = new WeakMap<object, Map<number, string>>();

/**
 * The SQL of the upsert of `rows` records, compiled once per dialect and row count. Building and
 * compiling the 100-row statement (and the JSON plugin copying its tree) cost more than SQLite
 * executing it (bench/sync); the records' JSON is also stringified once, for the hash and the row.
 */
function upsertSql(db: Db, rows: number): string {
  const adapter = db.getExecutor().adapter;
  let byCount = upserts.get(adapter);
  if (!byCount) {
    byCount = new Map();
    upserts.set(adapter, byCount);
  }
  let text = byCount.get(rows);
  if (text === undefined) {
    const compiled = db
      .insertInto('sync_records')
      .values(Array.from({ length: rows }, () => ROW_SHAPE))
      .onConflict((oc) =>
        oc.columns(['connection_id', 'entity', 'external_id']).doUpdateSet((eb) => ({
          content_hash: eb.ref('excluded.content_hash'),
          data: eb.ref('excluded.data'),
          last_seen_run_id: eb.ref('excluded.last_seen_run_id'),
          // From the row (null): a literal here would be one more parameter.
          deleted_at: eb.ref('excluded.deleted_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .compile();
    // Every value a parameter, in column order: what upsert() lays out.
    if (compiled.parameters.length !== rows * COLUMNS) {
      throw new Error('the records upsert did not compile to one parameter per value');
    }
    text = compiled.sql;
    byCount.set(rows, text);
  }
  return text;
}

/** A record to insert or overwrite: its id, content hash and JSON text. */
interface ChangedRecord {
  id: string;
  hash: string;
  json: string;
}

/**
 * PostgreSQL takes the page as one array per column: binding and planning a 100-row VALUES list of
 * 1,000 parameters was most of the server's time per page (bench/sync on PostgreSQL).
 */
const POSTGRES_UPSERT = `insert into sync_records (connection_id, entity, external_id, org_id, content_hash, data,
    last_seen_run_id, deleted_at, created_at, updated_at)
  select $1::text, $2::text, r.external_id, $3::text, r.content_hash, r.data::jsonb, $4::text, null,
    $5::timestamptz, $5::timestamptz
  from unnest($6::text[], $7::text[], $8::text[]) as r (external_id, content_hash, data)
  on conflict (connection_id, entity, external_id) do update set content_hash = excluded.content_hash,
    data = excluded.data, last_seen_run_id = excluded.last_seen_run_id, deleted_at = null,
    updated_at = excluded.updated_at`;

async function upsert(tx: Db, scope: RecordScope, entity: string, rows: ChangedRecord[], at: string) {
  if (isPostgres(tx)) {
    // pg sends each JS array as a PostgreSQL array literal.
    const columns = [rows.map((r) => r.id), rows.map((r) => r.hash), rows.map((r) => r.json)];
    const parameters = [scope.connectionId, entity, scope.orgId, scope.runId, at, ...columns];
    await tx.executeQuery(CompiledQuery.raw(POSTGRES_UPSERT, parameters));
    return;
  }
  // ROW_SHAPE's order; `data` already JSON text, as the JSON plugin would send it.
  const values = rows.flatMap((r) => [
    scope.connectionId,
    entity,
    r.id,
    scope.orgId,
    r.hash,
    r.json,
    scope.runId,
    null,
    at,
    at,
  ]);
  await tx.executeQuery(CompiledQuery.raw(upsertSql(tx, rows.length), values));
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Stores a page of one entity's records in the caller's transaction, keyed by (connection, entity,
 * external id): new → created; content hash changed (or the record came back after a delete) →
 * updated; unchanged → only marked seen by this run, which is what full-sync delete detection reads.
 */
export async function writeRecords(
  tx: Db,
  scope: RecordScope,
  entity: string,
  records: SyncRecord[],
  now: Date,
): Promise<WriteCounts> {
  const counts: WriteCounts = { created: 0, updated: 0, unchanged: 0 };
  // The last copy of an id wins when a page repeats one.
  const byId = new Map(records.map((record) => [String(record.id), record]));
  for (const page of chunks([...byId.values()])) {
    const ids = page.map((record) => String(record.id));
    const stored = await tx
      .selectFrom('sync_records')
      .select(['external_id', 'content_hash', 'deleted_at'])
      .where('connection_id', '=', scope.connectionId)
      .where('entity', '=', entity)
      .where('external_id', 'in', ids)
      .execute();
    const known = new Map(stored.map((row) => [row.external_id, row]));
    const at = now.toISOString();
    const changed: ChangedRecord[] = [];
    const unchanged: string[] = [];
    for (const record of page) {
      const id = String(record.id);
      const json = JSON.stringify(record.data);
      const hashed = contentHash(json);
      const previous = known.get(id);
      if (previous && previous.content_hash === hashed && previous.deleted_at === null) {
        unchanged.push(id);
        continue;
      }
      if (previous) counts.updated += 1;
      else counts.created += 1;
      changed.push({ id, hash: hashed, json });
    }
    counts.unchanged += unchanged.length;
    if (changed.length > 0) await upsert(tx, scope, entity, changed, at);
    if (unchanged.length > 0) {
      await tx
        .updateTable('sync_records')
        .set({ last_seen_run_id: scope.runId })
        .where('connection_id', '=', scope.connectionId)
        .where('entity', '=', entity)
        .where('external_id', 'in', unchanged)
        .execute();
    }
  }
  return counts;
}

/**
 * After a full sync: the entity's records this run did not see are gone at the provider. Marked,
 * not removed, so history and previews can still explain them.
 */
export async function markUnseenDeleted(tx: Db, scope: RecordScope, entity: string, now: Date) {
  const at = now.toISOString();
  const result = await tx
    .updateTable('sync_records')
    .set({ deleted_at: at, updated_at: at })
    .where('connection_id', '=', scope.connectionId)
    .where('entity', '=', entity)
    .where('last_seen_run_id', '<>', scope.runId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

const CURSOR_UPSERT = new QueryTemplate(
  ['connection_id', 'entity', 'cursor', 'run_id', 'updated_at'],
  (db, slot) =>
    db
      .insertInto('sync_cursors')
      .values(slot)
      .onConflict((oc) =>
        oc.columns(['connection_id', 'entity']).doUpdateSet((eb) => ({
          cursor: eb.ref('excluded.cursor'),
          run_id: eb.ref('excluded.run_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      ),
);

export async function saveCursor(tx: Db, scope: RecordScope, entity: string, cursor: string, now: Date) {
  await CURSOR_UPSERT.execute(tx, {
    connection_id: scope.connectionId,
    entity,
    cursor,
    run_id: scope.runId,
    updated_at: now.toISOString(),
  });
}

/**
 * Where each entity resumes. An incremental run resumes from the last saved cursors; a full sync
 * starts over, except that its own retry resumes from where its earlier attempt committed (the
 * records seen then are already marked seen by this run).
 */
export async function cursorsFor(
  db: Db,
  run: { id: string; connection_id: string; full_sync: boolean },
): Promise<Record<string, string>> {
  let q = db
    .selectFrom('sync_cursors')
    .select(['entity', 'cursor'])
    .where('connection_id', '=', run.connection_id);
  if (run.full_sync) q = q.where('run_id', '=', run.id);
  const rows = await q.execute();
  return Object.fromEntries(rows.map((row) => [row.entity, row.cursor]));
}

export async function insertEvidence(tx: Db, scope: RecordScope, items: EvidenceItem[], now: Date) {
  if (items.length === 0) return;
  await tx
    .insertInto('sync_evidence')
    .values(
      items.map((item) => ({
        id: newId(),
        org_id: scope.orgId,
        connection_id: scope.connectionId,
        run_id: scope.runId,
        kind: item.kind,
        summary: item.summary,
        content_hash: createHash('sha256').update(JSON.stringify(item.data)).digest('hex'),
        data: item.data,
        collected_at: now.toISOString(),
      })),
    )
    .execute();
}

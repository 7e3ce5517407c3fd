import { createHash, hash } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { EvidenceItem } from '../../../connectors/sdk.js';
import { type Db, isPostgres } from '../../../platform/db/database.js';
import { QueryTemplate } from '../../../platform/db/query-template.js';
import { newId } from '../../../platform/ids.js';

export interface RecordScope {
  orgId: string;
  connectionId: string;
  runId: string;
}

/** A record as stored: its external id, its JSON text, and the text's content hash. */
export interface StoredRecord {
  id: string;
  json: string;
  hash: string;
}

export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
}

// Rows per statement: a bounded IN list and arrays per lookup and upsert.
const CHUNK = 500;

/** Change detection, not security: any stable digest of the record as the provider sent it. */
export function contentHash(json: string): string {
  return hash('sha1', json, 'base64url');
}

/** An evidence item's digest, as stored beside it. */
export function evidenceHash(data: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
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

/** What the records table holds of a record, for comparing. */
export interface StoredState {
  external_id: string;
  content_hash: string;
  deleted_at: unknown;
}

/**
 * A page's records against what is stored of them: new → created; content hash changed (or the
 * record came back after a delete) → updated; both written. Unchanged → only marked seen. Adds
 * to `counts`.
 */
export function compareRecords(
  records: StoredRecord[],
  stored: StoredState[],
  counts: WriteCounts,
): { changed: StoredRecord[]; unchanged: string[] } {
  const known = new Map(stored.map((row) => [row.external_id, row]));
  const changed: StoredRecord[] = [];
  const unchanged: string[] = [];
  for (const record of records) {
    const previous = known.get(record.id);
    if (previous && previous.content_hash === record.hash && previous.deleted_at === null) {
      unchanged.push(record.id);
      continue;
    }
    if (previous) counts.updated += 1;
    else counts.created += 1;
    changed.push(record);
  }
  counts.unchanged += unchanged.length;
  return { changed, unchanged };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Stores a page of one entity's records in the caller's transaction on PostgreSQL (SQLite's are
 * stored on the record thread: sqlite-batch-store.ts), keyed by (connection, entity, external id),
 * as compareRecords sorts them; an unchanged one is marked seen by this run, which is what
 * full-sync delete detection reads.
 */
export async function writeRecords(
  tx: Db,
  scope: RecordScope,
  entity: string,
  records: StoredRecord[],
  now: Date,
): Promise<WriteCounts> {
  if (!isPostgres(tx)) throw new Error('SQLite stores records on the record thread');
  const counts: WriteCounts = { created: 0, updated: 0, unchanged: 0 };
  const at = now.toISOString();
  for (const page of chunks(records)) {
    const stored = await tx
      .selectFrom('sync_records')
      .select(['external_id', 'content_hash', 'deleted_at'])
      .where('connection_id', '=', scope.connectionId)
      .where('entity', '=', entity)
      .where(
        'external_id',
        'in',
        page.map((record) => record.id),
      )
      .execute();
    const { changed, unchanged } = compareRecords(page, stored, counts);
    if (changed.length > 0) {
      // pg sends each JS array as a PostgreSQL array literal.
      const columns = [changed.map((r) => r.id), changed.map((r) => r.hash), changed.map((r) => r.json)];
      const parameters = [scope.connectionId, entity, scope.orgId, scope.runId, at, ...columns];
      await tx.executeQuery(CompiledQuery.raw(POSTGRES_UPSERT, parameters));
    }
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

export const CURSOR_UPSERT = new QueryTemplate(
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
        content_hash: evidenceHash(item.data),
        data: item.data,
        collected_at: now.toISOString(),
      })),
    )
    .execute();
}

import { createHash, hash } from 'node:crypto';
import type { Db } from '../../../platform/db/database.js';
import { QueryTemplate } from '../../../platform/db/query-template.js';

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

/** Change detection, not security: any stable digest of the record as the provider sent it. */
export function contentHash(json: string): string {
  return hash('sha1', json, 'base64url');
}

/** An evidence item's digest, as stored beside it. */
export function evidenceHash(data: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

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

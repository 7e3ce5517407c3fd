import { createHash } from 'node:crypto';
import type { EvidenceItem, SyncRecord } from '../../connectors/sdk.js';
import type { Db } from '../../platform/db/database.js';
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
function contentHash(data: Record<string, unknown>): string {
  return createHash('sha1').update(JSON.stringify(data)).digest('base64url');
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
    const changed = [];
    const unchanged: string[] = [];
    for (const record of page) {
      const id = String(record.id);
      const hash = contentHash(record.data);
      const previous = known.get(id);
      if (previous && previous.content_hash === hash && previous.deleted_at === null) {
        unchanged.push(id);
        continue;
      }
      if (previous) counts.updated += 1;
      else counts.created += 1;
      changed.push({
        connection_id: scope.connectionId,
        entity,
        external_id: id,
        org_id: scope.orgId,
        content_hash: hash,
        data: record.data,
        last_seen_run_id: scope.runId,
        deleted_at: null,
        created_at: at,
        updated_at: at,
      });
    }
    counts.unchanged += unchanged.length;
    if (changed.length > 0) {
      await tx
        .insertInto('sync_records')
        .values(changed)
        .onConflict((oc) =>
          oc.columns(['connection_id', 'entity', 'external_id']).doUpdateSet((eb) => ({
            content_hash: eb.ref('excluded.content_hash'),
            data: eb.ref('excluded.data'),
            last_seen_run_id: eb.ref('excluded.last_seen_run_id'),
            deleted_at: null,
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
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

export async function saveCursor(tx: Db, scope: RecordScope, entity: string, cursor: string, now: Date) {
  await tx
    .insertInto('sync_cursors')
    .values({
      connection_id: scope.connectionId,
      entity,
      cursor,
      run_id: scope.runId,
      updated_at: now.toISOString(),
    })
    .onConflict((oc) =>
      oc.columns(['connection_id', 'entity']).doUpdateSet((eb) => ({
        cursor: eb.ref('excluded.cursor'),
        run_id: eb.ref('excluded.run_id'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
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

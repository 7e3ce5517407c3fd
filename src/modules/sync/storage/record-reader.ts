import type { Db } from '../../../platform/db/database.js';
import type { RunStatus } from '../model.js';

/** Records read a page at a time: a preview of a large org streams them rather than holding them all. */
const PAGE = 1_000;

/** The connection's stored records of `entity` that are not deleted, in external id order. */
export async function* storedRecords(
  db: Db,
  connectionId: string,
  entity: string,
): AsyncIterable<Record<string, unknown>> {
  let after: string | null = null;
  for (;;) {
    let query = db
      .selectFrom('sync_records')
      .select(['external_id', 'data'])
      .where('connection_id', '=', connectionId)
      .where('entity', '=', entity)
      .where('deleted_at', 'is', null)
      .orderBy('external_id')
      .limit(PAGE);
    if (after !== null) query = query.where('external_id', '>', after);
    const rows = await query.execute();
    for (const row of rows) yield row.data;
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.external_id;
  }
}

/** When the connection's last run that stored what it synced (completed, or partial) ended. */
export async function lastSyncedAt(db: Db, connectionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('sync_runs')
    .select('completed_at')
    .where('connection_id', '=', connectionId)
    .where('status', 'in', ['completed', 'partial'] satisfies RunStatus[])
    .where('completed_at', 'is not', null)
    .orderBy('completed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.completed_at ?? null;
}

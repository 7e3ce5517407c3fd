import type { Selectable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { PublishedEventKeysTable } from '../../../platform/db/tables.js';

/** The only code that reads or writes `published_event_keys`. */

export type PublishedKeyRow = Selectable<PublishedEventKeysTable>;

export function findPublishedKey(db: Db, orgId: string, key: string): Promise<PublishedKeyRow | undefined> {
  return db
    .selectFrom('published_event_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Records the key; a concurrent request with the same key loses on the primary key. */
export async function insertPublishedKey(db: Db, row: PublishedKeyRow): Promise<void> {
  await db.insertInto('published_event_keys').values(row).execute();
}

/** Forgets the org's key if it was recorded before `cutoff` (past its 24 hours); true when it did. */
export async function deleteExpiredKey(db: Db, orgId: string, key: string, cutoff: string): Promise<boolean> {
  const result = await db
    .deleteFrom('published_event_keys')
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

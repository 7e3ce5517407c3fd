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

/**
 * Records `row`'s key for its event, in one statement: a new key, or one recorded before `cutoff`
 * (past its 24 hours), which it replaces. False when the key still names another event; a
 * concurrent request with the same key waits on the row, then finds it so.
 */
export async function claimPublishedKey(db: Db, row: PublishedKeyRow, cutoff: string): Promise<boolean> {
  const claimed = await db
    .insertInto('published_event_keys')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'key'])
        .doUpdateSet((eb) => ({
          event_id: eb.ref('excluded.event_id'),
          request_hash: eb.ref('excluded.request_hash'),
          created_at: eb.ref('excluded.created_at'),
        }))
        .where('published_event_keys.created_at', '<', cutoff),
    )
    .returning('event_id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Forgets keys recorded before `cutoff`, `batch` at most; how many went. */
export async function deleteKeysBefore(db: Db, cutoff: string, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('published_event_keys')
    .where((eb) =>
      eb(
        eb.refTuple('org_id', 'key'),
        'in',
        eb
          .selectFrom('published_event_keys')
          .select(['org_id', 'key'])
          .where('created_at', '<', cutoff)
          .limit(batch)
          .$asTuple('org_id', 'key'),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

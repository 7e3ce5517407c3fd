import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { NewEvent } from './catalogue.js';
import { insertEvent, insertPublishedEvent } from './store.js';

export { PUBLISHED_SUBJECT } from './store.js';

/**
 * Records an event in the caller's transaction, beside the state change it describes: both commit
 * or neither does. Consumers are woken after the commit (see service.ts); nothing is called here.
 */
export function recordEvent(tx: Db, event: NewEvent, now: Date): Promise<void> {
  return insertEvent(tx, newId(), event, now);
}

/**
 * Records an event of a type the org declared (not in the catalogue), in the caller's transaction;
 * consumers read it as they read Switchboard's own. Returns its id.
 */
export async function recordPublishedEvent(
  tx: Db,
  event: { orgId: string; type: string; payload: Record<string, unknown> },
  now: Date,
): Promise<string> {
  const id = newId();
  await insertPublishedEvent(tx, { id, ...event }, now);
  return id;
}

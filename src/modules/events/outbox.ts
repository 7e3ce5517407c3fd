import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { NewEvent } from './catalogue.js';
import { insertEvent } from './store.js';

/**
 * Records an event in the caller's transaction, beside the state change it describes: both commit
 * or neither does. Consumers are woken after the commit (see service.ts); nothing is called here.
 */
export function recordEvent(tx: Db, event: NewEvent, now: Date): Promise<void> {
  return insertEvent(tx, newId(), event, now);
}

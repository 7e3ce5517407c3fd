import type { Db } from '../../../platform/db/database.js';
import { newId } from '../../../platform/ids.js';
import type { NewMessage } from '../model.js';

/**
 * Inserts messages as `pending`, due at `now`, for the dispatcher to claim. One per (endpoint,
 * event): a message already there is left as it is, so a fan-out that runs again inserts nothing
 * twice. Returns the ids of the messages inserted.
 */
export async function insertMessages(db: Db, messages: readonly NewMessage[], now: Date): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < messages.length; i += CHUNK) {
    ids.push(...(await insertChunk(db, messages.slice(i, i + CHUNK), now.toISOString())));
  }
  return ids;
}

// PostgreSQL takes at most 65,535 parameters a statement: one event fanned out to thousands of
// endpoints is inserted in chunks.
const CHUNK = 500;

async function insertChunk(db: Db, messages: readonly NewMessage[], at: string): Promise<string[]> {
  const rows = await db
    .insertInto('webhook_messages')
    .values(
      messages.map((m) => ({
        id: newId(),
        org_id: m.orgId,
        endpoint_id: m.endpointId,
        event_id: m.eventId,
        event_type: m.body.type,
        payload: { ...m.body },
        status: 'pending',
        next_attempt_at: at,
        lease_until: null,
        last_status_code: null,
        last_error: null,
        created_at: at,
        updated_at: at,
        delivered_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

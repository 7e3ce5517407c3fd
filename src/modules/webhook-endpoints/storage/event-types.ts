import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { OrgEventTypesTable } from '../../../platform/db/tables.js';

/** The only code that reads or writes `org_event_types`. */

export type EventTypeRow = Selectable<OrgEventTypesTable>;

export async function insertEventType(db: Db, row: Insertable<OrgEventTypesTable>): Promise<void> {
  await db.insertInto('org_event_types').values(row).execute();
}

/** The org's declared types, by name. */
export function listEventTypes(db: Db, orgId: string): Promise<EventTypeRow[]> {
  return db.selectFrom('org_event_types').selectAll().where('org_id', '=', orgId).orderBy('name').execute();
}

export function findEventType(db: Db, orgId: string, name: string): Promise<EventTypeRow | undefined> {
  return db
    .selectFrom('org_event_types')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function updateEventType(
  db: Db,
  orgId: string,
  name: string,
  set: Pick<Updateable<OrgEventTypesTable>, 'description' | 'schema' | 'updated_at'>,
): Promise<boolean> {
  const result = await db
    .updateTable('org_event_types')
    .set(set)
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteEventType(db: Db, orgId: string, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('org_event_types')
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { WebhookEndpointsTable } from '../../../platform/db/tables.js';

/** The only code that reads or writes `webhook_endpoints`. */

export type EndpointRow = Selectable<WebhookEndpointsTable>;

export async function insertEndpoint(db: Db, row: Insertable<WebhookEndpointsTable>): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

/** An endpoint of the org. */
export function findEndpoint(db: Db, orgId: string, id: string): Promise<EndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The org's enabled endpoints: the fan-out matches each event against their `event_types`. */
export function enabledEndpoints(db: Db, orgId: string): Promise<EndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
}

export async function updateEndpoint(
  db: Db,
  id: string,
  set: Omit<Updateable<WebhookEndpointsTable>, 'id' | 'org_id'>,
): Promise<boolean> {
  const result = await db.updateTable('webhook_endpoints').set(set).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

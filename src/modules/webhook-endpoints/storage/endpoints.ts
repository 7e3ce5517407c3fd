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

/** A page of the org's endpoints, oldest first, with the total. */
export async function listEndpoints(
  db: Db,
  orgId: string,
  window: { limit: number; offset: number },
): Promise<{ rows: EndpointRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id')
      .limit(window.limit)
      .offset(window.offset)
      .execute(),
    db
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** Deletes the endpoint (its messages and attempts go with it); false when the org has none such. */
export async function deleteEndpoint(db: Db, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Endpoints in id order after `after`, with their sealed secrets: key rotation's walk. */
export function endpointsWithSecrets(
  db: Db,
  after: string | undefined,
  limit: number,
): Promise<{ id: string; org_id: string; secret: string; previous_secret: string | null }[]> {
  let q = db
    .selectFrom('webhook_endpoints')
    .select(['id', 'org_id', 'secret', 'previous_secret'])
    .orderBy('id')
    .limit(limit);
  if (after !== undefined) q = q.where('id', '>', after);
  return q.execute();
}

/** Replaces an endpoint's sealed secrets if they are still the ones read (a rotation meanwhile wins). */
export async function replaceEndpointSecrets(
  db: Db,
  id: string,
  expected: { secret: string; previous_secret: string | null },
  sealed: { secret: string; previous_secret: string | null },
): Promise<boolean> {
  let q = db
    .updateTable('webhook_endpoints')
    .set(sealed)
    .where('id', '=', id)
    .where('secret', '=', expected.secret);
  q =
    expected.previous_secret === null
      ? q.where('previous_secret', 'is', null)
      : q.where('previous_secret', '=', expected.previous_secret);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

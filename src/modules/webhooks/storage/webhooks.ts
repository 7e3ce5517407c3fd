import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { WebhooksTable } from '../../../platform/db/tables.js';

/** The only code that reads or writes `webhooks` (counters included). */

export type WebhookRow = Selectable<WebhooksTable>;

export async function insertWebhook(db: Db, row: Insertable<WebhooksTable>): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export function listWebhooks(db: Db, orgId: string, connectionId: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/** A webhook of the connection, in the caller's org. */
export function findWebhook(
  db: Db,
  orgId: string,
  connectionId: string,
  id: string,
): Promise<WebhookRow | undefined> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A webhook by id alone: the public receiver's lookup (the id in its URL is all a provider has). */
export function findWebhookById(db: Db, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateWebhook(
  db: Db,
  id: string,
  set: Partial<Omit<Insertable<WebhooksTable>, 'id' | 'org_id' | 'connection_id'>>,
): Promise<void> {
  await db.updateTable('webhooks').set(set).where('id', '=', id).execute();
}

export async function deleteWebhook(db: Db, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhooks')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Counts a delivery stored, in the transaction that stores it. */
export async function countReceived(db: Db, id: string, at: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set((eb) => ({ total_received: eb('total_received', '+', 1), last_received_at: at }))
    .where('id', '=', id)
    .execute();
}

/** Counts an event's end: processed, or failed with its error (the webhook's `last_error`). */
export async function countOutcome(
  db: Db,
  id: string,
  outcome: { failed: string } | 'processed',
): Promise<void> {
  await db
    .updateTable('webhooks')
    .set((eb) =>
      outcome === 'processed'
        ? { total_processed: eb('total_processed', '+', 1) }
        : { total_failed: eb('total_failed', '+', 1), last_error: outcome.failed },
    )
    .where('id', '=', id)
    .execute();
}

/** Notes why a delivery was refused (bad signature…), without counting it as received. */
export async function noteRefusal(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('webhooks').set({ last_error: error }).where('id', '=', id).execute();
}

/** Webhooks in id order after `after`, with their sealed secrets: key rotation's walk. */
export function webhooksWithSecrets(
  db: Db,
  after: string | undefined,
  limit: number,
): Promise<{ id: string; org_id: string; secret: string }[]> {
  let q = db.selectFrom('webhooks').select(['id', 'org_id', 'secret']).orderBy('id').limit(limit);
  if (after !== undefined) q = q.where('id', '>', after);
  return q.execute();
}

/** Replaces a webhook's sealed secret if it is still `expected` (a rotation meanwhile wins). */
export async function replaceWebhookSecret(
  db: Db,
  id: string,
  expected: string,
  sealed: string,
): Promise<boolean> {
  const result = await db
    .updateTable('webhooks')
    .set({ secret: sealed })
    .where('id', '=', id)
    .where('secret', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

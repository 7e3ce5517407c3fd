import type { Db } from '../../../platform/db/database.js';

/** What deliveries change on their endpoint: since when it fails, and its disabling. */

/** A success: the endpoint is no longer failing. */
export async function clearFailing(db: Db, endpointId: string, at: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: null, updated_at: at })
    .where('id', '=', endpointId)
    .where('failing_since', 'is not', null)
    .execute();
}

/** A failed attempt: the endpoint fails since `at` unless it already did; since when it fails. */
export async function markFailing(db: Db, endpointId: string, at: string): Promise<string | undefined> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: at, updated_at: at })
    .where('id', '=', endpointId)
    .where('failing_since', 'is', null)
    .execute();
  const row = await db
    .selectFrom('webhook_endpoints')
    .select('failing_since')
    .where('id', '=', endpointId)
    .executeTakeFirst();
  return row?.failing_since ?? undefined;
}

/** Disables an enabled endpoint with its reason; false when it was not enabled (someone else did). */
export async function disableEndpoint(
  db: Db,
  endpointId: string,
  reason: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, updated_at: at })
    .where('id', '=', endpointId)
    .where('enabled', '=', true)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

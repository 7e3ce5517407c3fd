import { sql } from 'kysely';
import type { WebhookEffect } from '../../../connectors/sdk.js';
import type { Db } from '../../../platform/db/database.js';
import { storedRecords } from './batch-sink.js';

/** Where a webhook event's records go, and what they are marked seen by. */
export interface EventScope {
  orgId: string;
  connectionId: string;
  /** The webhook event's id: records it wrote are `last_seen_run_id`-marked with it. */
  eventId: string;
}

/**
 * Applies a webhook event's record changes as a sync would store them: an upsert writes the record
 * (back to life if it was deleted), a delete marks it deleted. A later full sync still decides:
 * what it does not see is marked deleted. Ids never stored are skipped by a delete.
 */
export async function applyRecordEffects(
  tx: Db,
  scope: EventScope,
  effects: readonly WebhookEffect[],
  now: Date,
): Promise<{ upserted: number; deleted: number }> {
  const at = now.toISOString();
  let upserted = 0;
  let deleted = 0;
  for (const effect of effects) {
    if (effect.kind === 'upsert' && effect.records.length > 0) {
      const rows = storedRecords(effect.records).map((record) => ({
        connection_id: scope.connectionId,
        entity: effect.entity,
        external_id: record.id,
        org_id: scope.orgId,
        content_hash: record.hash,
        data: JSON.parse(record.json) as Record<string, unknown>,
        last_seen_run_id: scope.eventId,
        deleted_at: null,
        created_at: at,
        updated_at: at,
      }));
      await tx
        .insertInto('sync_records')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['connection_id', 'entity', 'external_id']).doUpdateSet((eb) => ({
            data: eb.ref('excluded.data'),
            content_hash: eb.ref('excluded.content_hash'),
            last_seen_run_id: eb.ref('excluded.last_seen_run_id'),
            deleted_at: sql<null>`null`,
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      upserted += rows.length;
    }
    if (effect.kind === 'delete' && effect.ids.length > 0) {
      const result = await tx
        .updateTable('sync_records')
        .set({ deleted_at: at, updated_at: at })
        .where('connection_id', '=', scope.connectionId)
        .where('entity', '=', effect.entity)
        .where('external_id', 'in', effect.ids)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      deleted += Number(result.numUpdatedRows);
    }
  }
  return { upserted, deleted };
}

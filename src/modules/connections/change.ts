import type { Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { IntegrationConnectionsTable } from '../../platform/db/tables.js';
import { recordAudit } from '../audit/service.js';
import type { Actor } from '../auth/principal.js';

/**
 * Writes a change to one of an org's connections and its audit entry, in the caller's
 * transaction: the one way connection state changes (the row and its audit never diverge).
 */
export async function changeConnection(
  tx: Db,
  target: { orgId: string; id: string },
  set: Updateable<IntegrationConnectionsTable>,
  audit: { actor: Actor; action: string; changedFields: string[] },
  now: Date,
): Promise<void> {
  await tx
    .updateTable('integration_connections')
    .set(set)
    .where('id', '=', target.id)
    .where('org_id', '=', target.orgId)
    .execute();
  await recordAudit(
    tx,
    audit.actor,
    {
      orgId: target.orgId,
      action: audit.action,
      targetType: 'connection',
      targetId: target.id,
      changedFields: audit.changedFields,
    },
    now,
  );
}

import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { Actor } from '../auth/principal.js';

export interface AuditEntry {
  orgId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  /** Names of the fields the mutation changed; never their values. */
  changedFields?: string[];
}

/**
 * The one way a mutation is audited. Call it with the transaction that makes the change, so the
 * entry exists exactly when the change does.
 */
export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry, at: Date): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId(),
      org_id: entry.orgId,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      changed_fields: entry.changedFields ?? [],
      request_id: actor.requestId,
      ip: actor.ip,
      created_at: at.toISOString(),
    })
    .execute();
}

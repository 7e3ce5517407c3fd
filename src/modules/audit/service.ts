import type { Db } from '../../platform/db/database.js';
import type { PageQuery } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import type { Actor, Caller } from '../auth/principal.js';
import { type AuditFilter, type AuditRow, insertAuditEntry, listAuditEntries } from './store.js';

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
export function recordAudit(db: Db, actor: Actor, entry: AuditEntry, at: Date): Promise<void> {
  return insertAuditEntry(db, {
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
  });
}

/** The organisation's audit trail, as the API reads it. */
export class AuditService {
  constructor(private readonly db: Db) {}

  list(
    { orgId }: Caller,
    filter: AuditFilter,
    page: PageQuery,
  ): Promise<{ rows: AuditRow[]; total: number }> {
    return listAuditEntries(this.db, orgId, filter, page);
  }
}

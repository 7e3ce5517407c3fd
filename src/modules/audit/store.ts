import type { Db } from '../../platform/db/database.js';
import { type PageQuery, pageWindow } from '../../platform/http/envelope.js';

export interface AuditRow {
  id: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changed_fields: string[];
  request_id: string | null;
  ip: string | null;
  created_at: string;
}

export interface AuditFilter {
  actorId?: string;
  actorType?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** ISO 8601 UTC as stored (`toISOString()`), so that SQLite's text comparison orders it right. */
  from?: string;
  /** Exclusive. */
  to?: string;
}

function orgEntries(db: Db, orgId: string, filter: AuditFilter) {
  let q = db.selectFrom('audit_log').where('org_id', '=', orgId);
  if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
  if (filter.actorType !== undefined) q = q.where('actor_type', '=', filter.actorType);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  if (filter.targetType !== undefined) q = q.where('target_type', '=', filter.targetType);
  if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
  if (filter.from !== undefined) q = q.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('created_at', '<', filter.to);
  return q;
}

const columns = [
  'id',
  'actor_type',
  'actor_id',
  'actor_name',
  'action',
  'target_type',
  'target_id',
  'changed_fields',
  'request_id',
  'ip',
  'created_at',
] as const;

export async function insertAuditEntry(db: Db, entry: AuditRow & { org_id: string | null }): Promise<void> {
  await db.insertInto('audit_log').values(entry).execute();
}

export async function listAuditEntries(
  db: Db,
  orgId: string,
  filter: AuditFilter,
  page: PageQuery,
): Promise<{ rows: AuditRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    orgEntries(db, orgId, filter)
      .select(columns)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    orgEntries(db, orgId, filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.total };
}

/** Which of an org's audit entries about one target: any of `actions`, created in [from, to]. */
export interface TargetActionsWindow {
  targetType: string;
  targetId: string;
  actions: readonly string[];
  from: string;
  /** Inclusive. */
  to: string;
}

/** The target's entries of those actions in the window, newest first, at most `limit`, and their count. */
export async function listTargetActions(
  db: Db,
  orgId: string,
  window: TargetActionsWindow,
  limit: number,
): Promise<{ rows: AuditRow[]; total: number }> {
  const q = orgEntries(db, orgId, {
    targetType: window.targetType,
    targetId: window.targetId,
    from: window.from,
  })
    .where('action', 'in', [...window.actions])
    .where('created_at', '<=', window.to);
  const [rows, count] = await Promise.all([
    q.select(columns).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

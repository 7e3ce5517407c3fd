import type { Db } from '../../platform/db/database.js';
import { recordAudit } from '../audit/service.js';
import type { Actor } from '../auth/principal.js';
import { recordEvent } from '../events/outbox.js';
import { type ConnectionUpdate, lockLifecycleState, updateConnection } from './store.js';

/** The columns only the lifecycle writes (lifecycle.ts). */
type LifecycleColumn =
  | 'status'
  | 'health'
  | 'consecutive_failures'
  | 'total_runs'
  | 'successful_runs'
  | 'failed_runs';

/** What an edit of a connection may set: anything but its lifecycle. */
export type ConnectionEdit = Omit<ConnectionUpdate, LifecycleColumn>;

/** Who changed a connection, how (the audit action) and which fields (names only). */
export interface AuditNote {
  actor: Actor;
  action: string;
  changedFields: string[];
}

// The credential states that are news to an event consumer, and the event each one is.
const CREDENTIAL_EVENTS = {
  active: 'credential.connected',
  expired: 'credential.expired',
  revoked: 'credential.revoked',
} as const;

/**
 * Writes an edit of one of an org's connections, its audit entry and its events, in the caller's
 * transaction (the row, its audit and its events never diverge). Its status and health are the
 * lifecycle's (lifecycle.ts `move`).
 */
export async function changeConnection(
  tx: Db,
  target: { orgId: string; id: string },
  set: ConnectionEdit,
  audit: AuditNote,
  now: Date,
): Promise<void> {
  const before = set.credential_status === undefined ? undefined : await lockLifecycleState(tx, target);
  await updateConnection(tx, target, set);
  await recordChange(tx, target, set, before?.credential_status, audit, now);
}

/** Records a change already written (`set`): its events and its audit entry. */
export async function recordChange(
  tx: Db,
  target: { orgId: string; id: string },
  set: ConnectionUpdate,
  credentialBefore: string | undefined,
  audit: AuditNote,
  now: Date,
): Promise<void> {
  await announceChange(tx, target, audit, now);
  await concludeChange(tx, target, set, credentialBefore, audit, now);
}

/** A change written to a connection, as its first event: `connection.updated` with the fields' names. */
export async function announceChange(
  tx: Db,
  target: { orgId: string; id: string },
  audit: AuditNote,
  now: Date,
): Promise<void> {
  await recordEvent(
    tx,
    {
      type: 'connection.updated',
      orgId: target.orgId,
      subjectId: target.id,
      payload: { action: audit.action, changed_fields: audit.changedFields },
    },
    now,
  );
}

/**
 * After its other events: a `credential.*` event when the change moved the credential's state
 * (from `credentialBefore`), and the change's audit entry.
 */
export async function concludeChange(
  tx: Db,
  target: { orgId: string; id: string },
  set: ConnectionUpdate,
  credentialBefore: string | undefined,
  audit: AuditNote,
  now: Date,
): Promise<void> {
  const credential = set.credential_status;
  if (
    typeof credential === 'string' &&
    credentialBefore !== undefined &&
    credential !== credentialBefore &&
    credential in CREDENTIAL_EVENTS
  ) {
    await recordEvent(
      tx,
      {
        type: CREDENTIAL_EVENTS[credential as keyof typeof CREDENTIAL_EVENTS],
        orgId: target.orgId,
        subjectId: target.id,
        payload: {
          action: audit.action,
          reason: typeof set.credential_error === 'string' ? set.credential_error : null,
        },
      },
      now,
    );
  }
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

import type { Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { IntegrationConnectionsTable } from '../../platform/db/tables.js';
import { recordAudit } from '../audit/service.js';
import type { Actor } from '../auth/principal.js';
import { recordEvent } from '../events/outbox.js';

// The credential states that are news to an event consumer, and the event each one is.
const CREDENTIAL_EVENTS = {
  active: 'credential.connected',
  expired: 'credential.expired',
  revoked: 'credential.revoked',
} as const;

/**
 * Writes a change to one of an org's connections, its audit entry and its events, in the caller's
 * transaction: the one way connection state changes (the row, its audit and its events never diverge).
 */
export async function changeConnection(
  tx: Db,
  target: { orgId: string; id: string },
  set: Updateable<IntegrationConnectionsTable>,
  audit: { actor: Actor; action: string; changedFields: string[] },
  now: Date,
): Promise<void> {
  const watched = set.status !== undefined || set.health !== undefined || set.credential_status !== undefined;
  const before = watched
    ? await tx
        .selectFrom('integration_connections')
        .select(['status', 'health', 'credential_status'])
        .where('id', '=', target.id)
        .where('org_id', '=', target.orgId)
        .executeTakeFirst()
    : undefined;
  await tx
    .updateTable('integration_connections')
    .set(set)
    .where('id', '=', target.id)
    .where('org_id', '=', target.orgId)
    .execute();
  await recordConnectionEvents(tx, target, set, before, audit, now);
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

async function recordConnectionEvents(
  tx: Db,
  target: { orgId: string; id: string },
  set: Updateable<IntegrationConnectionsTable>,
  before: { status: string; health: string; credential_status: string | null } | undefined,
  audit: { action: string; changedFields: string[] },
  now: Date,
): Promise<void> {
  const about = { orgId: target.orgId, subjectId: target.id };
  await recordEvent(
    tx,
    {
      ...about,
      type: 'connection.updated',
      payload: { action: audit.action, changed_fields: audit.changedFields },
    },
    now,
  );
  if (!before) return;
  if (typeof set.status === 'string' && set.status !== before.status) {
    await recordEvent(
      tx,
      { ...about, type: 'connection.status_changed', payload: { from: before.status, to: set.status } },
      now,
    );
  }
  if (typeof set.health === 'string' && set.health !== before.health) {
    await recordEvent(
      tx,
      { ...about, type: 'connection.health_changed', payload: { from: before.health, to: set.health } },
      now,
    );
  }
  const credential = set.credential_status;
  if (
    typeof credential === 'string' &&
    credential !== before.credential_status &&
    credential in CREDENTIAL_EVENTS
  ) {
    await recordEvent(
      tx,
      {
        ...about,
        type: CREDENTIAL_EVENTS[credential as keyof typeof CREDENTIAL_EVENTS],
        payload: {
          action: audit.action,
          reason: typeof set.credential_error === 'string' ? set.credential_error : null,
        },
      },
      now,
    );
  }
}

/**
 * Sets a connection's health as computed from its failure count (by a check or a run), with a
 * `connection.health_changed` event when it moved; the caller's transaction holds the row's lock.
 */
export async function changeHealth(tx: Db, connectionId: string, health: string, now: Date): Promise<void> {
  const before = await tx
    .selectFrom('integration_connections')
    .select(['org_id', 'health'])
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (!before || before.health === health) return;
  await tx.updateTable('integration_connections').set({ health }).where('id', '=', connectionId).execute();
  await recordEvent(
    tx,
    {
      type: 'connection.health_changed',
      orgId: before.org_id,
      subjectId: connectionId,
      payload: { from: before.health, to: health },
    },
    now,
  );
}

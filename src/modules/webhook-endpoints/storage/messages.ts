import type { ExpressionBuilder, Selectable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { Tables, WebhookMessagesTable } from '../../../platform/db/tables.js';
import { type PageQuery, pageWindow } from '../../../platform/http/envelope.js';

/**
 * The dispatcher's queue and the delivery history in `webhook_messages` (the fan-out inserts them,
 * storage/messages-insert.ts). A message is `pending` until its first attempt, `retrying` while a
 * failed attempt has a retry due, then `succeeded` or `failed`.
 */

export type MessageRow = Selectable<WebhookMessagesTable>;
export type MessageStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['pending', 'retrying', 'succeeded', 'failed'];

/** Statuses with an attempt still to come. */
const OPEN: MessageStatus[] = ['pending', 'retrying'];
/** The others: a message in one of them is done. */
const DONE: MessageStatus[] = ['succeeded', 'failed'];

/**
 * Claims up to `limit` messages due now for `leaseMs`: open, due, not under another dispatcher's
 * live lease, for an enabled endpoint; for an `ordered` endpoint only its head (its oldest open
 * message by event), so one is in flight and a failing head holds the rest back. The lease is
 * checked again on the row updated, so two dispatchers never claim the same message; each row
 * returned carries its `lease_until`, the claim's token for settling it.
 */
export async function claimDue(db: Db, now: Date, leaseMs: number, limit: number): Promise<MessageRow[]> {
  const at = now.toISOString();
  const free = (eb: ExpressionBuilder<Tables, 'webhook_messages'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]);
  const due = db
    .selectFrom('webhook_messages as m')
    .innerJoin('webhook_endpoints as e', 'e.id', 'm.endpoint_id')
    .select('m.id')
    .where('m.status', 'in', OPEN)
    .where('m.next_attempt_at', '<=', at)
    .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<', at)]))
    .where('e.enabled', '=', true)
    .where((eb) =>
      eb.or([
        eb('e.ordered', '=', false),
        eb(
          'm.id',
          '=',
          eb
            .selectFrom('webhook_messages as head')
            .select('head.id')
            .whereRef('head.endpoint_id', '=', 'm.endpoint_id')
            .where('head.status', 'in', OPEN)
            .orderBy('head.event_id')
            .orderBy('head.id')
            .limit(1),
        ),
      ]),
    )
    .orderBy('m.next_attempt_at')
    .limit(limit);
  return (
    db
      .updateTable('webhook_messages')
      .set({ lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', 'in', due)
      // Checked again on the row (another dispatcher may have settled it meanwhile), as `not in DONE`:
      // SQLite would otherwise look rows up by the status index, every open message, not by their ids.
      .where('status', 'not in', DONE)
      .where(free)
      .returningAll()
      .execute()
  );
}

export interface AttemptOutcome {
  status: MessageStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  updated_at: string;
}

/**
 * Records an attempt's outcome on the message, only while the claim that made it still holds it
 * (`lease` unchanged): a dispatcher whose lease ran out and was claimed again, or a message
 * redelivered meanwhile, leaves the row to whoever holds it now.
 */
export async function settleMessage(
  db: Db,
  id: string,
  lease: string,
  set: AttemptOutcome,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_messages')
    .set({ ...set, lease_until: null })
    .where('id', '=', id)
    .where('lease_until', '=', lease)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Settles messages whose attempt succeeded, all claimed by one claim (`lease`) and answered
 * `statusCode`, in one statement; as settleMessage, only those the claim still holds. Returns the
 * ids settled.
 */
export async function settleSucceeded(
  db: Db,
  ids: readonly string[],
  lease: string,
  statusCode: number,
  at: string,
): Promise<string[]> {
  const rows = await db
    .updateTable('webhook_messages')
    .set((eb) => ({
      status: 'succeeded',
      attempts: eb('attempts', '+', 1),
      next_attempt_at: null,
      lease_until: null,
      last_status_code: statusCode,
      last_error: null,
      delivered_at: at,
      updated_at: at,
    }))
    .where('id', 'in', [...ids])
    .where('lease_until', '=', lease)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Gives a claimed message back unattempted, due at `at` (an endpoint over its rate). */
export async function releaseMessage(db: Db, id: string, lease: string, at: string): Promise<void> {
  await db
    .updateTable('webhook_messages')
    .set({ lease_until: null, next_attempt_at: at })
    .where('id', '=', id)
    .where('lease_until', '=', lease)
    .execute();
}

export interface MessageFilter {
  status?: MessageStatus;
  event_type?: string;
}

/** An endpoint's messages, newest first. */
export async function listMessages(db: Db, endpointId: string, filter: MessageFilter, page: PageQuery) {
  let q = db.selectFrom('webhook_messages').where('endpoint_id', '=', endpointId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.event_type) q = q.where('event_type', '=', filter.event_type);
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export function findMessage(db: Db, endpointId: string, id: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', id)
    .executeTakeFirst();
}

const requeued = (at: string) =>
  ({ status: 'pending', next_attempt_at: at, lease_until: null, updated_at: at }) as const;

/** Queues a message for an attempt at `at`, whatever its state (redeliver). */
export async function requeueMessage(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('webhook_messages').set(requeued(at)).where('id', '=', id).execute();
}

/** Queues the endpoint's failed messages created at or after `since` for an attempt at `at`; how many. */
export async function requeueFailed(db: Db, endpointId: string, since: string, at: string): Promise<number> {
  const result = await db
    .updateTable('webhook_messages')
    .set(requeued(at))
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', since)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes messages (and their attempts, by cascade) created before `before`, a batch at a time; how many went. */
export async function pruneMessages(db: Db, before: Date, batch: number): Promise<number> {
  const old = db
    .selectFrom('webhook_messages')
    .select('id')
    .where('created_at', '<', before.toISOString())
    .limit(batch);
  const result = await db.deleteFrom('webhook_messages').where('id', 'in', old).executeTakeFirst();
  return Number(result.numDeletedRows);
}

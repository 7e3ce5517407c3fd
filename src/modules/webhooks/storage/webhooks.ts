import { type ExpressionBuilder, type Insertable, type Selectable, sql } from 'kysely';
import { everyColumn } from '../../../platform/db/columns.js';
import type { Db } from '../../../platform/db/database.js';
import { QueryTemplate } from '../../../platform/db/query-template.js';
import type { Tables, WebhookCountsTable, WebhooksTable } from '../../../platform/db/tables.js';

/** The only code that reads or writes `webhooks` and `webhook_counts` (its counters not yet folded). */

export type WebhookRow = Selectable<WebhooksTable>;

export async function insertWebhook(db: Db, row: Insertable<WebhooksTable>): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export async function listWebhooks(db: Db, orgId: string, connectionId: string): Promise<WebhookRow[]> {
  const rows = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return withUnfolded(db, rows);
}

/** A webhook of the connection, in the caller's org, with its exact counters. */
export async function findWebhook(
  db: Db,
  orgId: string,
  connectionId: string,
  id: string,
): Promise<WebhookRow | undefined> {
  const row = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && (await withUnfolded(db, [row]))[0];
}

/**
 * A webhook by id alone: the public receiver's lookup (the id in its URL is all a provider has).
 * Its counters are as last folded: the receiver does not read them.
 */
export async function findWebhookById(db: Db, id: string): Promise<WebhookRow | undefined> {
  const { rows } = await FIND_BY_ID.execute<WebhookRow>(db, { id });
  return rows[0];
}

const WEBHOOK_COLUMNS = everyColumn<WebhooksTable>({
  id: true,
  org_id: true,
  connection_id: true,
  name: true,
  description: true,
  scheme: true,
  signature_header: true,
  signature_algo: true,
  event_types: true,
  status: true,
  secret: true,
  rate_limit_per_minute: true,
  total_received: true,
  total_processed: true,
  total_failed: true,
  last_received_at: true,
  last_error: true,
  created_at: true,
  updated_at: true,
});

// Built once, as the receiver's other statements: every delivery runs them, and building a query
// cost more than running it (bench/webhooks).
const FIND_BY_ID = new QueryTemplate(['id'], (db, slot) =>
  db.selectFrom('webhooks').select(WEBHOOK_COLUMNS).where('id', '=', slot.id),
);

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

const INSERT_COUNT = new QueryTemplate(
  ['webhook_id', 'received', 'processed', 'failed', 'last_received_at'],
  (db, slot) =>
    db.insertInto('webhook_counts').values({
      ...slot,
      received: sql<number>`${slot.received}`,
      processed: sql<number>`${slot.processed}`,
      failed: sql<number>`${slot.failed}`,
    }),
);

/** Counts a delivery stored, in the transaction that stores it. */
export async function countReceived(db: Db, id: string, at: string): Promise<void> {
  await INSERT_COUNT.execute(db, {
    webhook_id: id,
    received: 1,
    processed: 0,
    failed: 0,
    last_received_at: at,
  });
}

/** Counts an event's end: processed, or failed with its error (the webhook's `last_error`). */
export async function countOutcome(
  db: Db,
  id: string,
  outcome: { failed: string } | 'processed',
): Promise<void> {
  const failed = outcome === 'processed' ? 0 : 1;
  await INSERT_COUNT.execute(db, {
    webhook_id: id,
    received: 0,
    processed: 1 - failed,
    failed,
    last_received_at: null,
  });
  if (outcome !== 'processed') await noteError(db, id, outcome.failed);
}

interface Unfolded {
  received: number;
  processed: number;
  failed: number;
  lastReceivedAt: string | null;
}

function sumCounts(rows: readonly Selectable<WebhookCountsTable>[]): Map<string, Unfolded> {
  const sums = new Map<string, Unfolded>();
  for (const row of rows) {
    const sum = sums.get(row.webhook_id) ?? { received: 0, processed: 0, failed: 0, lastReceivedAt: null };
    sum.received += Number(row.received);
    sum.processed += Number(row.processed);
    sum.failed += Number(row.failed);
    sum.lastReceivedAt = later(sum.lastReceivedAt, row.last_received_at);
    sums.set(row.webhook_id, sum);
  }
  return sums;
}

const later = (a: string | null, b: string | null) => (a === null || (b !== null && b > a) ? b : a);

/** Webhook rows with the counts not yet folded into them added: exact counters. */
async function withUnfolded(db: Db, rows: WebhookRow[]): Promise<WebhookRow[]> {
  if (rows.length === 0) return rows;
  const pending = await db
    .selectFrom('webhook_counts')
    .selectAll()
    .where(
      'webhook_id',
      'in',
      rows.map((row) => row.id),
    )
    .execute();
  const sums = sumCounts(pending);
  return rows.map((row) => {
    const sum = sums.get(row.id);
    if (!sum) return row;
    return {
      ...row,
      total_received: row.total_received + sum.received,
      total_processed: row.total_processed + sum.processed,
      total_failed: row.total_failed + sum.failed,
      last_received_at: later(row.last_received_at, sum.lastReceivedAt),
    };
  });
}

/** The later of the webhook's `last_received_at` and `at`. */
const latest = (eb: ExpressionBuilder<Tables, 'webhooks'>, at: string) =>
  eb
    .case()
    .when(eb.or([eb('last_received_at', 'is', null), eb('last_received_at', '<', at)]))
    .then(at)
    .else(eb.ref('last_received_at'))
    .end();

/**
 * Folds the counts added since the last fold into their webhooks' totals; how many were folded.
 * `delete … returning` takes exactly the rows it removes (on PostgreSQL, those committed when it
 * runs: one committed meanwhile waits for the next fold), so two folding processes never count a
 * row twice. Counts of a webhook deleted meanwhile just go.
 */
export async function foldCounts(db: Db): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const taken = await tx.deleteFrom('webhook_counts').returningAll().execute();
    for (const [id, sum] of sumCounts(taken)) {
      await tx
        .updateTable('webhooks')
        .set((eb) => ({
          total_received: eb('total_received', '+', sum.received),
          total_processed: eb('total_processed', '+', sum.processed),
          total_failed: eb('total_failed', '+', sum.failed),
          ...(sum.lastReceivedAt === null ? {} : { last_received_at: latest(eb, sum.lastReceivedAt) }),
        }))
        .where('id', '=', id)
        .execute();
    }
    return taken.length;
  });
}

/** Notes the webhook's last error: a delivery refused (bad signature…, not counted as received) or an event failed. */
export async function noteError(db: Db, id: string, error: string): Promise<void> {
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

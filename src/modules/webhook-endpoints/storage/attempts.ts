import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { WebhookAttemptsTable } from '../../../platform/db/tables.js';

/**
 * Every delivery attempt in `webhook_attempts`: what was answered, how fast, the start of the body.
 * An attempt succeeded when it has a 2xx status and no error.
 */

export type AttemptRow = Selectable<WebhookAttemptsTable>;

/** Inserts attempts in one statement (a dispatcher's batch at most: well within a statement's parameters). */
export async function insertAttempts(
  db: Db,
  rows: readonly Insertable<WebhookAttemptsTable>[],
): Promise<void> {
  if (rows.length > 0)
    await db
      .insertInto('webhook_attempts')
      .values([...rows])
      .execute();
}

/** A message's attempts, first to last. */
export function attemptsOf(db: Db, messageId: string): Promise<AttemptRow[]> {
  return db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('attempt')
    .orderBy('id')
    .execute();
}

/** An endpoint's attempts since `since`: how many, how many succeeded, and how many were answered. */
export async function attemptCounts(db: Db, endpointId: string, since: string) {
  const row = await db
    .selectFrom('webhook_attempts')
    .where('endpoint_id', '=', endpointId)
    .where('created_at', '>=', since)
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn
        .count<number>('id')
        .filterWhere((w) =>
          w.and([w('error', 'is', null), w('status_code', '>=', 200), w('status_code', '<', 300)]),
        )
        .as('succeeded'),
      eb.fn.count<number>('status_code').as('answered'),
    ])
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), succeeded: Number(row.succeeded), answered: Number(row.answered) };
}

/**
 * The duration of the answered attempt at `rank` (0-based, fastest first) since `since`: a
 * percentile read by position, which both dialects answer alike.
 */
export async function durationAtRank(
  db: Db,
  endpointId: string,
  since: string,
  rank: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('webhook_attempts')
    .select('duration_ms')
    .where('endpoint_id', '=', endpointId)
    .where('created_at', '>=', since)
    .where('status_code', 'is not', null)
    .orderBy('duration_ms')
    .limit(1)
    .offset(rank)
    .executeTakeFirst();
  return row?.duration_ms;
}

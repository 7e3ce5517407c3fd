import { sql } from 'kysely';
import type { SyncSettings } from '../../config.js';
import { type Db, isPostgres } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { SYSTEM_ACTOR } from '../auth/principal.js';
import { nextSyncAt } from '../connections/schedule.js';
import type { ConnectionStatus } from '../connections/store.js';
import { newRunRow } from './service.js';

/** Connections a tick handles at most; the rest are due on the next tick. */
const DUE_BATCH = 1_000;
/**
 * Slots committed together. A commit is a WAL flush on PostgreSQL: one per slot held a tick of 1,000
 * slots for 2.5 s (bench/sync scheduler on PostgreSQL: dispatch lag p99 9.9 s). Small enough that
 * the connections' row locks are held briefly, and the statements' parameters stay few.
 */
const SLOTS_PER_TRANSACTION = 100;

/** The connections whose next slot is due at `now`, the earliest first. */
function dueConnections(db: Db, now: Date) {
  return db
    .selectFrom('integration_connections')
    .select(['id', 'org_id', 'config', 'next_sync_at', 'sync_cron', 'sync_interval_mins', 'sync_timezone'])
    .where('sync_enabled', '=', true)
    .where('status', 'in', ['connected', 'syncing'] satisfies ConnectionStatus[])
    .where('next_sync_at', '<=', now.toISOString())
    .orderBy('next_sync_at')
    .orderBy('id')
    .limit(DUE_BATCH)
    .execute();
}

type DueConnection = Awaited<ReturnType<typeof dueConnections>>[number];

/**
 * Turns due schedule slots into runs. For each chunk of slots, in one transaction: advance
 * `next_sync_at` of the connections that still hold their slot (another scheduler that got there
 * first changed it), then insert their runs with the slot as each run's unique key. So any number
 * of scheduler processes create each run once. Each is one statement for the chunk: a statement per
 * slot held a 1,000-slot tick on PostgreSQL for 1.4 s (bench/sync scheduler, dispatch lag p99 3.7 s).
 */
export class SyncScheduler {
  constructor(
    private readonly db: Db,
    private readonly settings: SyncSettings,
    private readonly dispatch: (runId: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Creates the runs of every slot due at `now` and dispatches them; returns their ids. */
  async scheduleDue(now: Date): Promise<string[]> {
    const due = await dueConnections(this.db, now);
    const created: string[] = [];
    for (let first = 0; first < due.length; first += SLOTS_PER_TRANSACTION) {
      const chunk = due.slice(first, first + SLOTS_PER_TRANSACTION);
      created.push(...(await this.db.transaction().execute((tx) => this.#createSlotRuns(tx, chunk, now))));
    }
    for (const runId of created) await this.dispatch(runId);
    return created;
  }

  /** The runs of the chunk's due slots, but for slots another scheduler took and connections with a run in progress. */
  async #createSlotRuns(tx: Db, chunk: DueConnection[], now: Date): Promise<string[]> {
    const taken = await takeSlots(tx, chunk, now);
    const mine = chunk.filter((connection) => taken.has(connection.id));
    if (mine.length === 0) return [];
    const rows = mine.map((connection) =>
      newRunRow(
        connection,
        {
          trigger: 'scheduled',
          fullSync: false,
          actor: SYSTEM_ACTOR,
          scheduledFor: connection.next_sync_at as string,
        },
        this.settings,
        now,
      ),
    );
    // A connection with an active run already (the partial unique index) gets none.
    const inserted = await tx
      .insertInto('sync_runs')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .returning(['id', 'connection_id'])
      .execute();
    const runOf = new Map(inserted.map((run) => [run.connection_id, run.id]));
    for (const connection of mine) {
      if (runOf.has(connection.id)) continue;
      this.logger.info(
        { connection_id: connection.id, slot: connection.next_sync_at },
        'scheduled sync skipped: the connection already has a run in progress',
      );
    }
    return mine.flatMap((connection) => runOf.get(connection.id) ?? []);
  }
}

/**
 * Advances each connection of the chunk that still holds its due slot to its next slot; the ids of
 * those it advanced. On PostgreSQL the rows are locked first in id order: two schedulers on the
 * same connections then wait for each other instead of deadlocking (SQLite has one writer).
 */
async function takeSlots(tx: Db, chunk: DueConnection[], now: Date): Promise<Set<string>> {
  const ids = chunk.map((connection) => connection.id);
  const postgres = isPostgres(tx);
  if (postgres) {
    await tx
      .selectFrom('integration_connections')
      .select('id')
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
  }
  // The CASE's values are text parameters: PostgreSQL wants them cast to the column's type.
  const type = sql.raw(postgres ? 'timestamptz' : 'text');
  const next = chunk.map((connection) => {
    const slot = connection.next_sync_at as string;
    return sql`when ${connection.id} then cast(${nextSyncAt(connection, now, new Date(slot))} as ${type})`;
  });
  const advanced = await tx
    .updateTable('integration_connections')
    .set({ next_sync_at: sql<string>`case id ${sql.join(next, sql` `)} end` })
    .where((eb) =>
      eb(
        eb.refTuple('id', 'next_sync_at'),
        'in',
        chunk.map((connection) => eb.tuple(connection.id, connection.next_sync_at as string)),
      ),
    )
    .returning('id')
    .execute();
  return new Set(advanced.map((row) => row.id));
}

import type { SyncSettings } from '../../../config.js';
import type { Db } from '../../../platform/db/database.js';
import type { Logger } from '../../../platform/logging/logger.js';
import { SYSTEM_ACTOR } from '../../auth/principal.js';
import { nextSyncAt } from '../../connections/schedule.js';
import { advanceSyncSlots, dueSyncSlots } from '../../connections/store.js';
import { insertRuns, newRunRow } from '../storage/runs.js';

/** Connections a tick handles at most; the rest are due on the next tick. */
const DUE_BATCH = 1_000;
/**
 * Slots committed together. A commit is a WAL flush on PostgreSQL: one per slot held a tick of 1,000
 * slots for 2.5 s (bench/sync scheduler on PostgreSQL: dispatch lag p99 9.9 s). Small enough that
 * the connections' row locks are held briefly, and the statements' parameters stay few.
 */
const SLOTS_PER_TRANSACTION = 100;

type DueConnection = Awaited<ReturnType<typeof dueSyncSlots>>[number];

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
    const due = await dueSyncSlots(this.db, now, DUE_BATCH);
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
          fullSync: fullSyncDue(connection.last_full_sync_at, this.settings.fullSyncIntervalHours, now),
          actor: SYSTEM_ACTOR,
          scheduledFor: connection.next_sync_at,
        },
        this.settings,
        now,
      ),
    );
    // A connection with an active run already (the partial unique index) gets none.
    const runOf = await insertRuns(tx, rows);
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
 * Whether a scheduled run should be a full sync: an incremental one never learns what the provider
 * deleted (nor, for listings read in creation order such as GitHub's, what changed), so one in every
 * interval is full.
 */
export function fullSyncDue(lastFullSyncAt: string | null, intervalHours: number, now: Date): boolean {
  return lastFullSyncAt === null || now.getTime() - Date.parse(lastFullSyncAt) >= intervalHours * 3_600_000;
}

/** Advances each connection of the chunk that still holds its due slot to its next one; the ids of those it advanced. */
function takeSlots(tx: Db, chunk: DueConnection[], now: Date): Promise<Set<string>> {
  return advanceSyncSlots(
    tx,
    chunk.map((connection) => ({
      id: connection.id,
      slot: connection.next_sync_at,
      next: nextSyncAt(connection, now, new Date(connection.next_sync_at)),
    })),
  );
}

import type { SyncSettings } from '../../config.js';
import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { SYSTEM_ACTOR } from '../auth/principal.js';
import { nextSyncAt } from '../connections/schedule.js';
import type { ConnectionStatus } from '../connections/store.js';
import { insertRun } from './runs-store.js';
import { newRunRow } from './service.js';

/** Connections a tick handles at most; the rest are due on the next tick. */
const DUE_BATCH = 1_000;

/**
 * Turns due schedule slots into runs. Each slot is one transaction: advance `next_sync_at` only if
 * it still holds the slot (another scheduler that got there first changed it), then insert the run
 * with the slot as its unique key. So any number of scheduler processes create each run once.
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
    const at = now.toISOString();
    const due = await this.db
      .selectFrom('integration_connections')
      .select(['id', 'org_id', 'config', 'next_sync_at', 'sync_cron', 'sync_interval_mins', 'sync_timezone'])
      .where('sync_enabled', '=', true)
      .where('status', 'in', ['connected', 'syncing'] satisfies ConnectionStatus[])
      .where('next_sync_at', '<=', at)
      .orderBy('next_sync_at')
      .limit(DUE_BATCH)
      .execute();
    const created: string[] = [];
    for (const connection of due) {
      const slot = connection.next_sync_at as string;
      const runId = await this.db.transaction().execute(async (tx) => {
        const advanced = await tx
          .updateTable('integration_connections')
          .set({ next_sync_at: nextSyncAt(connection, now, new Date(slot)) })
          .where('id', '=', connection.id)
          .where('next_sync_at', '=', slot)
          .executeTakeFirst();
        if (advanced.numUpdatedRows === 0n) return undefined;
        const inserted = await insertRun(
          tx,
          newRunRow(
            connection,
            { trigger: 'scheduled', fullSync: false, actor: SYSTEM_ACTOR, scheduledFor: slot },
            this.settings,
            now,
          ),
        );
        if (!inserted) {
          this.logger.info(
            { connection_id: connection.id, slot },
            'scheduled sync skipped: the connection already has a run in progress',
          );
        }
        return inserted;
      });
      if (runId) created.push(runId);
    }
    for (const runId of created) await this.dispatch(runId);
    return created;
  }
}

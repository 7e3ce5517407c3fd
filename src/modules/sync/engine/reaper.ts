import type { SyncSettings } from '../../../config.js';
import type { Db } from '../../../platform/db/database.js';
import type { Logger } from '../../../platform/logging/logger.js';
import type { JobQueue } from '../../../platform/queue/job-queue.js';
import { emptyLogCounts, emptyStats } from '../model.js';
import { appendEngineLog, duePendingRuns, expiredRuns, type RunRow } from '../storage/runs.js';
import { retryDelayMs } from './failure.js';
import { finishRun, requeueRun } from './finish.js';

const BATCH = 500;
const LOST_MESSAGE = 'The worker running this sync stopped responding (its lease expired)';

/**
 * Makes sure nothing stays stuck. A running run whose lease expired lost its worker (killed,
 * partitioned): it is retried as a new attempt, or failed when out of attempts. A pending run that
 * is due and that no queue holds (a lost job, a retry whose backoff has passed) is enqueued again.
 */
export class RunReaper {
  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly settings: SyncSettings,
    private readonly dispatch: (runId: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  async reap(now: Date): Promise<{ recovered: number; dispatched: number }> {
    const expired = await expiredRuns(this.db, now, BATCH);
    let recovered = 0;
    for (const run of expired) if (await this.#recover(run, now)) recovered += 1;

    const pending = await duePendingRuns(this.db, now, BATCH);
    let dispatched = 0;
    for (const id of pending) {
      if (await this.queue.holds(id)) continue;
      await this.dispatch(id);
      dispatched += 1;
    }
    return { recovered, dispatched };
  }

  async #recover(run: RunRow, now: Date): Promise<boolean> {
    const retry = run.retry_count < run.max_retries;
    const recovered = await this.db.transaction().execute(async (tx) => {
      let ok: boolean;
      if (retry) {
        const delay = retryDelayMs(run.retry_count + 1, this.settings.retryBaseMs, undefined);
        ok = await requeueRun(
          tx,
          run,
          {
            retry_count: run.retry_count + 1,
            not_before: new Date(now.getTime() + delay).toISOString(),
            error_message: LOST_MESSAGE,
            error_class: 'transient',
            log_counts: { ...emptyLogCounts(), ...run.log_counts, warn: (run.log_counts.warn ?? 0) + 1 },
          },
          { expiredBefore: now },
          now,
        );
      } else {
        ok = await finishRun(
          tx,
          run,
          {
            status: 'failed',
            stats: { ...emptyStats(), ...run.stats },
            logCounts: { ...emptyLogCounts(), ...run.log_counts, error: (run.log_counts.error ?? 0) + 1 },
            errorMessage: `${LOST_MESSAGE}; no attempts left`,
            errorClass: 'transient',
            errorDetails: run.error_details,
          },
          { expiredBefore: now },
          this.settings.health,
          now,
        );
      }
      if (ok) {
        await appendEngineLog(
          tx,
          run,
          {
            level: retry ? 'warn' : 'error',
            message: retry
              ? `${LOST_MESSAGE}; retrying as attempt ${run.retry_count + 2}`
              : `${LOST_MESSAGE}; no attempts left`,
            details: { lease_owner: run.lease_owner, lease_expires_at: run.lease_expires_at },
          },
          now,
        );
      }
      return ok;
    });
    if (recovered) {
      this.logger.warn(
        { run_id: run.id, lease_owner: run.lease_owner, retry },
        'recovered a run whose worker was lost',
      );
    }
    return recovered;
  }
}

import type { SyncSettings } from '../../../config.js';
import type { Db } from '../../../platform/db/database.js';
import { AppError } from '../../../platform/errors.js';
import type { PageQuery, SortOrder } from '../../../platform/http/envelope.js';
import type { Logger } from '../../../platform/logging/logger.js';
import type { JobQueue } from '../../../platform/queue/job-queue.js';
import { recordAudit } from '../../audit/service.js';
import { type Caller, SYSTEM_ACTOR } from '../../auth/principal.js';
import {
  type ConnectionStatus,
  type ConnectionWithDefinition,
  findConnection,
} from '../../connections/store.js';
import { finishRun } from '../engine/finish.js';
import {
  emptyLogCounts,
  emptyStats,
  FINISHED_STATUSES,
  type LogCounts,
  RUN_CANCELLED_TOPIC,
  type RunSort,
  type RunStats,
  type RunStatus,
  type Trigger,
} from '../model.js';
import {
  appendEngineLog,
  findRun,
  insertRun,
  type LogFilter,
  listLogs,
  listRuns,
  newRunRow,
  type RunFilter,
  type RunRow,
} from '../storage/runs.js';

const QUEUED_MESSAGE = 'Sync queued. Track progress via GET /integration-connections/:id/runs/:run_id';
const CANCELLED_MESSAGE = 'Sync cancelled. Partial data from this run may remain.';

/** The spec's run list item. */
function runItem(row: RunRow) {
  const stats: RunStats = { ...emptyStats(), ...row.stats };
  const logCounts: LogCounts = { ...emptyLogCounts(), ...row.log_counts };
  return {
    id: row.id,
    connection_id: row.connection_id,
    trigger: row.trigger,
    triggered_by: row.triggered_by,
    triggered_by_name: row.triggered_by_name,
    status: row.status,
    full_sync: row.full_sync,
    queued_at: row.queued_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    duration_ms: row.duration_ms,
    stats,
    error_message: row.error_message,
    retry_count: row.retry_count,
    log_counts: { info: logCounts.info, warn: logCounts.warn, error: logCounts.error },
    created_at: row.created_at,
  };
}

/** The spec's run detail: every stat, the failed items, the config as it was, all log counts. */
function runDetail(row: RunRow, connection: ConnectionWithDefinition) {
  return {
    ...runItem(row),
    connection_name: connection.name,
    integration_name: connection.integration_name,
    scheduled_for: row.scheduled_for,
    next_attempt_at: row.status === 'pending' ? row.not_before : null,
    error_class: row.error_class,
    error_details: {
      failed_items: Array.isArray(row.error_details?.failed_items) ? row.error_details.failed_items : [],
    },
    max_retries: row.max_retries,
    config_snapshot: row.config_snapshot,
    log_counts: { ...emptyLogCounts(), ...row.log_counts },
    updated_at: row.updated_at,
  };
}

export type RunItem = ReturnType<typeof runItem>;
export type RunDetail = ReturnType<typeof runDetail>;

/** Run history and the manual operations on runs (spec: integration-engine-api.md §3). */
export class SyncService {
  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly settings: SyncSettings,
    private readonly notify: (topic: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Queues a manual run. The database refuses a second active run, whatever races the check. */
  async trigger({ orgId, actor, now }: Caller, id: string, fullSync: boolean) {
    const runId = await this.db.transaction().execute(async (tx) => {
      const connection = await this.#connection(tx, orgId, id);
      if (connection.status === ('syncing' satisfies ConnectionStatus))
        throw new AppError('SYNC_IN_PROGRESS');
      if (connection.status !== ('connected' satisfies ConnectionStatus)) {
        throw new AppError('CONNECTION_NOT_CONNECTED', undefined, { status: connection.status });
      }
      const inserted = await insertRun(
        tx,
        newRunRow(connection, { trigger: 'manual', fullSync, actor }, this.settings, now),
      );
      if (!inserted) throw new AppError('SYNC_IN_PROGRESS');
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'connection.sync_triggered', targetType: 'sync_run', targetId: inserted },
        now,
      );
      return inserted;
    });
    await this.dispatch(runId);
    return {
      run_id: runId,
      connection_id: id,
      trigger: 'manual' satisfies Trigger,
      status: 'pending' satisfies RunStatus,
      message: QUEUED_MESSAGE,
    };
  }

  /**
   * Queues an incremental run because a webhook event said the provider changed (trigger
   * `webhook`): none when the connection is not connected or already has a run pending or running,
   * which will see the change. The run's id, if one was queued.
   */
  async triggerByWebhook(orgId: string, id: string, now: Date): Promise<string | undefined> {
    const runId = await this.db.transaction().execute(async (tx) => {
      const connection = await findConnection(tx, orgId, id);
      if (connection?.status !== ('connected' satisfies ConnectionStatus)) return undefined;
      const run = { trigger: 'webhook' as const, fullSync: false, actor: SYSTEM_ACTOR };
      return insertRun(tx, newRunRow(connection, run, this.settings, now));
    });
    if (runId) await this.dispatch(runId);
    return runId;
  }

  /** Hands a committed run to the queue; if that fails, the reaper finds the pending row later. */
  async dispatch(runId: string): Promise<void> {
    try {
      await this.queue.enqueue(runId);
    } catch (err) {
      this.logger.warn({ err, run_id: runId }, 'could not enqueue a run; the reaper will dispatch it');
    }
  }

  async list(
    { orgId }: Caller,
    id: string,
    filter: RunFilter,
    page: PageQuery & { sort: RunSort; order: SortOrder },
  ) {
    await this.#connection(this.db, orgId, id);
    const { rows, total } = await listRuns(this.db, id, filter, page);
    return { items: rows.map(runItem), total };
  }

  async get({ orgId }: Caller, id: string, runId: string): Promise<RunDetail> {
    const connection = await this.#connection(this.db, orgId, id);
    return runDetail(await this.#run(this.db, id, runId), connection);
  }

  /**
   * Ends a pending or running run at once. An executor holding it sees the change on its next
   * write or heartbeat (at once, through the notice) and stops; what it committed stays.
   */
  async cancel({ orgId, actor, now }: Caller, id: string, runId: string) {
    await this.db.transaction().execute(async (tx) => {
      await this.#connection(tx, orgId, id);
      const run = await this.#run(tx, id, runId);
      const finished = () =>
        new AppError('RUN_ALREADY_FINISHED', `The run has already ended (${run.status})`, {
          status: run.status,
        });
      if ((FINISHED_STATUSES as readonly string[]).includes(run.status)) throw finished();
      const ended = await finishRun(
        tx,
        run,
        {
          status: 'cancelled',
          stats: { ...emptyStats(), ...run.stats },
          logCounts: { ...emptyLogCounts(), ...run.log_counts, info: (run.log_counts.info ?? 0) + 1 },
          errorMessage: null,
          errorDetails: run.error_details,
        },
        'active',
        this.settings.health,
        now,
      );
      if (!ended) throw finished();
      await appendEngineLog(
        tx,
        run,
        { level: 'info', message: `Sync cancelled by ${actor.name ?? actor.type}` },
        now,
      );
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'sync_run.cancelled', targetType: 'sync_run', targetId: runId },
        now,
      );
    });
    await this.notify(RUN_CANCELLED_TOPIC);
    return { id: runId, status: 'cancelled' satisfies RunStatus, message: CANCELLED_MESSAGE };
  }

  async logs({ orgId }: Caller, id: string, runId: string, filter: LogFilter, page: PageQuery) {
    await this.#connection(this.db, orgId, id);
    await this.#run(this.db, id, runId);
    return listLogs(this.db, runId, filter, page);
  }

  async #connection(db: Db, orgId: string, id: string): Promise<ConnectionWithDefinition> {
    const row = await findConnection(db, orgId, id);
    if (!row) throw new AppError('CONNECTION_NOT_FOUND');
    return row;
  }

  async #run(db: Db, connectionId: string, runId: string): Promise<RunRow> {
    const run = await findRun(db, connectionId, runId);
    if (!run) throw new AppError('RUN_NOT_FOUND');
    return run;
  }
}

import { setImmediate } from 'node:timers/promises';
import type { SyncSettings } from '../../../config.js';
import type { Connector, FailedItem, SyncBatch, SyncContext } from '../../../connectors/sdk.js';
import { connectorContext } from '../../../connectors/toolkit/context.js';
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/database.js';
import type { Logger } from '../../../platform/logging/logger.js';
import type { Outbound } from '../../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../../platform/outbound/provider-fetch.js';
import { move } from '../../connections/lifecycle.js';
import { type ConnectionSecrets, connectorConfig } from '../../connections/secrets.js';
import { type ConnectionWithDefinition, findConnection } from '../../connections/store.js';
import { emptyStats, FAILED_ITEMS_KEPT, type RunStats } from '../model.js';
import {
  addCounts,
  type BatchStorage,
  type BatchWrite,
  noCounts,
  type RecordCounts,
  RunLostError,
  statsAfter,
  storedRecords,
} from '../storage/batch-sink.js';
import { refreshRecordStatistics } from '../storage/record-statistics.js';
import {
  cursorsFor,
  markUnseenDeleted,
  type RecordScope,
  type WriteCounts,
} from '../storage/record-writer.js';
import { claimRun, insertLogs, type RunRow, renewLease } from '../storage/runs.js';
import { classify, type RunFailure, retryDelayMs } from './failure.js';
import { type FinishGuard, finishRun, type RunOutcome, requeueRun } from './finish.js';
import { RunLog } from './run-log.js';

export interface ExecutorDeps {
  db: Db;
  connectors: readonly Connector[];
  secrets: ConnectionSecrets;
  /** The connection's provider credential beyond its config (OAuth tokens). */
  auth: (row: ConnectionWithDefinition) => ProviderAuth | undefined;
  /** Where batches are stored: SQLite's record thread, or PostgreSQL transactions. */
  storage: BatchStorage;
  /** The SSRF guard and rate-limit pacing of every request to a provider. */
  outbound: Outbound;
  settings: SyncSettings;
  clock: Clock;
  logger: Logger;
  /** This worker's name on the leases it holds. */
  owner: string;
}

/** A run asks for fresh record statistics as its created records double, from this many. */
const STATISTICS_FIRST_AT = 1_000;

/** The reason runs are aborted when their worker shuts down: they go back to pending at once. */
class WorkerStoppingError extends Error {
  override readonly name = 'WorkerStoppingError';
}

/** What one attempt leaves behind for the finishing transaction. */
interface Progress {
  /** As committed: the last stored batch's, the deletes marked since, and the bytes fetched so far. */
  stats: RunStats;
  /** Counted as batches arrive, stored with them: the item counts of batches not yet committed too. */
  counted: Pick<RunStats, 'items_failed' | 'items_skipped' | 'evidence_collected'>;
  /** The record counts the attempt started from, and those its committed batches added. */
  base: RecordCounts;
  written: RecordCounts;
  failedItems: FailedItem[];
  /** Entities with a failed item: not seen in full, so not checked for deletes. */
  incomplete: Set<string>;
  seen: Set<string>;
  /** Created records at which the records table's statistics are next looked at, and last refreshed. */
  analyzeAt: number;
  analyzedAt: number;
}

/**
 * Executes sync runs: claims the row, streams the connector's batches into the records table (each
 * batch, its cursor, its log lines and the run's stats in one transaction), renews the lease on a
 * heartbeat, and ends the run — or, on a transient failure with attempts left, puts it back to
 * pending with a backoff for the scheduler to dispatch again.
 */
export class RunExecutor {
  readonly #active = new Map<string, AbortController>();

  constructor(private readonly deps: ExecutorDeps) {}

  /** Runs being executed here. */
  get activeCount(): number {
    return this.#active.size;
  }

  async execute(runId: string): Promise<void> {
    const { db, clock, settings, owner } = this.deps;
    // The claim waits for a turn of the event loop, as every write does (on SQLite, the driver
    // sees to it; on PostgreSQL it is I/O): a burst of runs does not starve requests and timers.
    const run = await db.transaction().execute(async (tx) => {
      const claimed = await claimRun(tx, runId, owner, clock.now(), settings.leaseMs);
      if (claimed) await move(tx, { id: claimed.connection_id }, 'run_started', clock.now());
      return claimed;
    });
    // Not pending (a duplicate job, a cancelled run) or not yet due: nothing to do.
    if (!run) return;
    const controller = new AbortController();
    this.#active.set(run.id, controller);
    const heartbeat = setInterval(() => void this.#renew(run.id, controller), settings.leaseMs / 3);
    const log = new RunLog(() => clock.now(), run.log_counts);
    const stats = { ...emptyStats(), ...run.stats };
    const progress: Progress = {
      stats,
      counted: {
        items_failed: stats.items_failed,
        items_skipped: stats.items_skipped,
        evidence_collected: stats.evidence_collected,
      },
      base: {
        items_synced: stats.items_synced,
        items_created: stats.items_created,
        items_updated: stats.items_updated,
      },
      written: noCounts(),
      failedItems: failedItemsOf(run),
      incomplete: new Set(),
      seen: new Set(),
      analyzeAt: STATISTICS_FIRST_AT,
      analyzedAt: 0,
    };
    try {
      await this.#attempt(run, controller.signal, log, progress);
      await this.#finish(run, log, progress, { owner });
    } catch (error) {
      if (controller.signal.reason instanceof WorkerStoppingError) {
        await this.#release(run, log, progress);
      } else if (error instanceof RunLostError || controller.signal.aborted) {
        // The row moved on without us (cancelled, or reaped): whoever moved it wrote its end.
        this.deps.logger.info({ run_id: run.id }, 'sync run stopped: no longer held by this worker');
      } else {
        await this.#fail(run, classify(error), log, progress);
      }
    } finally {
      clearInterval(heartbeat);
      this.#active.delete(run.id);
    }
  }

  /** Checks every run executing here against its row at once (a cancel notice arrived). */
  async checkActive(): Promise<void> {
    await Promise.all([...this.#active].map(([id, controller]) => this.#renew(id, controller)));
  }

  /** Stops every run executing here and hands it back as pending, for another worker to resume. */
  abortAll(): void {
    for (const controller of this.#active.values())
      controller.abort(new WorkerStoppingError('worker stopping'));
  }

  /** After the last run here ended: releases the storage (the record thread). */
  async close(): Promise<void> {
    await this.deps.storage.close();
  }

  async #renew(id: string, controller: AbortController): Promise<void> {
    try {
      const held = await renewLease(
        this.deps.db,
        id,
        this.deps.owner,
        this.deps.clock.now(),
        this.deps.settings.leaseMs,
      );
      if (!held) controller.abort(new RunLostError('run cancelled or taken over'));
    } catch (err) {
      // The database is unreachable: keep going; if it stays so, the lease expires and the run is retried.
      this.deps.logger.warn({ err, run_id: id }, 'could not renew a run lease');
    }
  }

  async #attempt(run: RunRow, signal: AbortSignal, log: RunLog, progress: Progress): Promise<void> {
    const { db, clock } = this.deps;
    const row = await findConnection(db, run.org_id, run.connection_id);
    if (!row) throw new RunLostError('connection deleted');
    const connector = this.deps.connectors.find((c) => c.definition.slug === row.connector);
    if (!connector?.sync) {
      throw new Error(`the connector "${row.connector}" cannot sync in this build`);
    }
    const config = connectorConfig(this.deps.secrets, row);
    const scope: RecordScope = { orgId: run.org_id, connectionId: run.connection_id, runId: run.id };
    const cursors = await cursorsFor(db, run);
    log.log(
      'info',
      run.retry_count > 0
        ? `Sync attempt ${run.retry_count + 1} of ${run.max_retries + 1} started`
        : `${run.full_sync ? 'Full' : 'Incremental'} sync started`,
      { details: { full_sync: run.full_sync, resumed_entities: Object.keys(cursors) }, source: 'engine' },
    );
    const oauth = this.deps.auth(row);
    const ctx: SyncContext<Record<string, unknown>> = {
      ...connectorContext(connector.definition, config, {
        logger: this.deps.logger.child({
          run_id: run.id,
          connection_id: run.connection_id,
          connector: row.connector,
        }),
        signal,
        outbound: this.deps.outbound,
        ...(oauth ? { oauth } : {}),
        onBytes: (bytes) => {
          progress.stats.bytes_transferred += bytes;
        },
      }),
      cursors,
      fullSync: run.full_sync,
      runLog: log,
    };
    const batches = connector.sync(ctx)[Symbol.asyncIterator]();
    // Batches are stored behind the fetching: up to the sink's window in flight, committed in order.
    const sink = this.deps.storage.open();
    const stored: Promise<void>[] = [];
    const oldest = async () => {
      await stored[0];
      stored.shift();
    };
    try {
      for (;;) {
        // A turn of the event loop between pages: a connector that never waits on I/O (the demo
        // computes its pages) would otherwise hold HTTP requests for a whole window of them (bench/sync).
        await setImmediate();
        const result = await nextOrAbort(batches, signal);
        if (result.done) break;
        if (stored.length >= sink.window) await oldest();
        const failedBefore = progress.failedItems.length;
        const write = this.#prepare(scope, result.value, log, progress);
        const committed = sink.write(write).then(
          (counts) => this.#committed(write, counts, progress),
          (error: unknown) => {
            // Its log lines and failed items were not stored: the run does not report them.
            log.forget(write.logs);
            progress.failedItems.length = Math.min(progress.failedItems.length, failedBefore);
            throw error;
          },
        );
        // Read in order below; a rejection must not surface as unhandled before its turn.
        committed.catch(() => {});
        stored.push(committed);
      }
      while (stored.length > 0) await oldest();
    } finally {
      // Whatever ends the attempt, the stats it reports are those of batches that were stored.
      await Promise.allSettled(stored);
      sink.close();
      await batches.return?.().catch(() => {});
    }
    signal.throwIfAborted();
    if (run.full_sync) {
      const { definition } = connector;
      const declared = definition.entitiesOf?.(config) ?? definition.entities;
      const entities = new Set([...declared.map((e) => e.name), ...progress.seen]);
      await db.transaction().execute(async (tx) => {
        for (const entity of entities) {
          if (progress.incomplete.has(entity)) continue;
          const deleted = await markUnseenDeleted(tx, scope, entity, clock.now());
          if (deleted > 0) {
            progress.stats.items_deleted += deleted;
            log.log('info', `${deleted} ${entity} no longer at the provider: marked deleted`, {
              details: { entity, deleted },
              source: 'engine',
            });
          }
        }
      });
    }
  }

  /** A batch as the sink stores it, with the run's progress as of it; counts what is not records. */
  #prepare(scope: RecordScope, batch: SyncBatch, log: RunLog, progress: Progress): BatchWrite {
    progress.seen.add(batch.entity);
    for (const item of batch.failed ?? []) {
      progress.incomplete.add(batch.entity);
      if (progress.failedItems.length < FAILED_ITEMS_KEPT)
        progress.failedItems.push({ item: item.item, error: item.error });
      log.log('error', `Failed to process ${item.item}: ${item.error}`, {
        details: item.details,
        source: batch.entity,
        itemRef: item.item,
      });
    }
    const counted = progress.counted;
    counted.items_failed += batch.failed?.length ?? 0;
    counted.items_skipped += batch.skipped ?? 0;
    counted.evidence_collected += batch.evidence?.length ?? 0;
    return {
      scope,
      owner: this.deps.owner,
      entity: batch.entity,
      records: storedRecords(batch.records),
      cursor: batch.cursor ?? null,
      evidence: batch.evidence ?? [],
      logs: log.take(),
      counted: {
        ...counted,
        items_deleted: progress.stats.items_deleted,
        bytes_transferred: progress.stats.bytes_transferred,
      },
      base: progress.base,
      log_counts: { ...log.counts },
      error_details: progress.failedItems.length > 0 ? { failed_items: [...progress.failedItems] } : null,
      at: this.deps.clock.now().toISOString(),
    };
  }

  /** A batch is committed: the run's stats are now those it stored. */
  async #committed(write: BatchWrite, counts: WriteCounts, progress: Progress): Promise<void> {
    addCounts(progress.written, counts);
    progress.stats = {
      ...statsAfter(write, progress.written),
      bytes_transferred: progress.stats.bytes_transferred,
    };
    const created = progress.stats.items_created;
    if (created >= progress.analyzeAt) {
      progress.analyzeAt = created * 2;
      if (await refreshRecordStatistics(this.deps.db, created - progress.analyzedAt))
        progress.analyzedAt = created;
    }
  }

  async #finish(run: RunRow, log: RunLog, progress: Progress, guard: FinishGuard): Promise<void> {
    const { stats } = progress;
    const partial = stats.items_failed > 0;
    log.log(
      partial ? 'warn' : 'info',
      `Sync ${partial ? 'partially completed' : 'completed'}: ${stats.items_synced} synced (${stats.items_created} created, ${stats.items_updated} updated, ${stats.items_deleted} deleted, ${stats.items_skipped} skipped, ${stats.items_failed} failed)`,
      { details: { ...stats }, source: 'engine' },
    );
    await this.#end(
      run,
      log,
      {
        status: partial ? 'partial' : 'completed',
        stats,
        logCounts: log.counts,
        errorMessage: partial ? `Partial sync: ${stats.items_failed} items failed during processing` : null,
        errorDetails: progress.failedItems.length > 0 ? { failed_items: progress.failedItems } : null,
      },
      guard,
    );
  }

  /** A transient failure with attempts left goes back to pending after a backoff; others end the run. */
  async #fail(run: RunRow, failure: RunFailure, log: RunLog, progress: Progress): Promise<void> {
    const { db, clock, settings, owner } = this.deps;
    const now = clock.now();
    if (failure.failure === 'transient' && run.retry_count < run.max_retries) {
      const delay = retryDelayMs(run.retry_count + 1, settings.retryBaseMs, failure.retryAfterMs);
      const notBefore = new Date(now.getTime() + delay);
      log.log(
        'warn',
        `Attempt ${run.retry_count + 1} failed (${failure.failure}): ${failure.message}. Retrying in ${Math.round(delay / 1000)} s`,
        {
          details: {
            http_status: failure.httpStatus ?? null,
            retry_after_ms: failure.retryAfterMs ?? null,
            delay_ms: delay,
          },
          source: 'engine',
        },
      );
      await db.transaction().execute(async (tx) => {
        const fields = {
          retry_count: run.retry_count + 1,
          not_before: notBefore.toISOString(),
          error_message: failure.message,
          error_class: failure.failure,
          stats: { ...progress.stats },
          log_counts: { ...log.counts },
        };
        if (await requeueRun(tx, run, fields, { owner }, now)) await insertLogs(tx, run, log.take());
      });
      return;
    }
    const why =
      failure.failure === 'transient'
        ? `after ${run.retry_count + 1} attempts`
        : failure.failure === 'authentication'
          ? 'authentication failed: fix the credentials, then test the connection'
          : `${failure.failure} failure: not retried`;
    log.log('error', `Sync failed (${why}): ${failure.message}`, {
      details: { failure_class: failure.failure, http_status: failure.httpStatus ?? null },
      source: 'engine',
    });
    await this.#end(
      run,
      log,
      {
        status: 'failed',
        stats: progress.stats,
        logCounts: log.counts,
        errorMessage: failure.message,
        errorClass: failure.failure,
        errorDetails: progress.failedItems.length > 0 ? { failed_items: progress.failedItems } : null,
        connectionError: failure.failure === 'authentication',
      },
      { owner },
    );
  }

  /** Back to pending without using an attempt: the worker stopped, the provider did not fail. */
  async #release(run: RunRow, log: RunLog, progress: Progress): Promise<void> {
    const { db, clock, owner } = this.deps;
    const now = clock.now();
    log.log(
      'warn',
      'Worker shutting down: the run goes back to the queue and resumes from its last saved cursor',
      {
        source: 'engine',
      },
    );
    await db.transaction().execute(async (tx) => {
      const fields = { stats: { ...progress.stats }, log_counts: { ...log.counts } };
      if (await requeueRun(tx, run, fields, { owner }, now)) await insertLogs(tx, run, log.take());
    });
  }

  async #end(run: RunRow, log: RunLog, outcome: RunOutcome, guard: FinishGuard): Promise<void> {
    const { db, clock, settings } = this.deps;
    await db.transaction().execute(async (tx) => {
      const ended = await finishRun(tx, run, outcome, guard, settings.health, clock.now());
      if (ended) await insertLogs(tx, run, log.take());
    });
  }
}

function failedItemsOf(run: RunRow): FailedItem[] {
  const items = run.error_details?.failed_items;
  return Array.isArray(items) ? (items as FailedItem[]) : [];
}

/** The iterator's next batch, or the abort's reason as soon as the signal fires. */
function nextOrAbort(
  batches: AsyncIterator<SyncBatch>,
  signal: AbortSignal,
): Promise<IteratorResult<SyncBatch>> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    batches.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

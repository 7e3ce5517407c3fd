import { hostname } from 'node:os';
import type { AppContext } from '../../../context.js';
import { newId } from '../../../platform/ids.js';
import { BullMqQueue } from '../../../platform/queue/bullmq-queue.js';
import { InProcessQueue } from '../../../platform/queue/in-process-queue.js';
import type { JobQueue } from '../../../platform/queue/job-queue.js';
import type { Services } from '../../../services.js';
import { ConnectionSecrets } from '../../connections/secrets.js';
import { RUN_CANCELLED_TOPIC } from '../model.js';
import { PostgresBatchSink } from '../storage/postgres-batch-store.js';
import { RecordThread } from '../storage/record-thread.js';
import { RunExecutor } from './executor.js';
import { RunReaper } from './reaper.js';
import { SyncScheduler } from './scheduler.js';
import { SyncWorker, type TickTask } from './worker.js';

export type QueueBackend = 'in-process' | 'bullmq';

/** BullMQ when Redis is configured (scale-out), else the in-process queue (embedded). */
export function createRunQueue(ctx: AppContext, backend?: QueueBackend): JobQueue {
  const chosen = backend ?? (ctx.config.redis ? 'bullmq' : 'in-process');
  if (chosen === 'bullmq') {
    if (!ctx.config.redis) throw new Error('the BullMQ queue needs REDIS_URL');
    return new BullMqQueue(
      {
        url: ctx.config.redis.url,
        prefix: ctx.config.redis.keyPrefix,
        name: 'sync-runs',
        lockMs: ctx.config.sync.leaseMs,
      },
      ctx.logger,
    );
  }
  return new InProcessQueue(ctx.logger);
}

/** A worker's name on its leases: enough to find the process when reading a stuck run. */
function workerName(): string {
  return `${hostname()}:${process.pid}:${newId().slice(-6)}`;
}

/** The background half of `serve` and `worker`: consumes the services' queue and ticks. */
export function createSyncWorker(services: Services, tasks: readonly TickTask[] = []): SyncWorker {
  const { ctx, queue, sync } = services;
  const { database, config, clock, logger } = ctx;
  const executor = new RunExecutor({
    db: database.db,
    connectors: services.connectors,
    secrets: new ConnectionSecrets(services.secretBox),
    auth: (row) => services.oauthTokens.authFor(row),
    storage: database.sqlite
      ? new RecordThread(database.sqlite, logger)
      : PostgresBatchSink.storage(database.db),
    settings: config.sync,
    outbound: services.outbound,
    clock,
    logger,
    owner: workerName(),
  });
  services.invalidation.on(RUN_CANCELLED_TOPIC, () => void executor.checkActive());
  const dispatch = (id: string) => sync.dispatch(id);
  return new SyncWorker({
    queue,
    executor,
    scheduler: new SyncScheduler(database.db, config.sync, dispatch, logger),
    reaper: new RunReaper(database.db, queue, config.sync, dispatch, logger),
    tasks,
    settings: config.sync,
    clock,
    logger,
  });
}

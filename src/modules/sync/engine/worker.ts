import type { SyncSettings } from '../../../config.js';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logging/logger.js';
import type { JobQueue } from '../../../platform/queue/job-queue.js';
import type { RunExecutor } from './executor.js';
import type { RunReaper } from './reaper.js';
import type { SyncScheduler } from './scheduler.js';

/** Background checks that run on the scheduler's tick besides syncs (health checks). */
export interface TickTask {
  readonly name: string;
  run(now: Date): Promise<unknown>;
}

/**
 * The background half of a process (`serve` and `worker`): executes queued runs, and on every
 * tick schedules due syncs, recovers lost runs and runs the other due tasks.
 */
export class SyncWorker {
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      queue: JobQueue;
      executor: RunExecutor;
      scheduler: SyncScheduler;
      reaper: RunReaper;
      tasks: readonly TickTask[];
      settings: SyncSettings;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** Runs executing in this process now. */
  get activeRuns(): number {
    return this.deps.executor.activeCount;
  }

  /** Starts consuming; `tick: false` leaves ticks to the caller (tests drive them with a fake clock). */
  start(options: { tick?: boolean } = {}): void {
    const { queue, executor, settings } = this.deps;
    queue.consume((id) => executor.execute(id), settings.concurrency);
    if (options.tick !== false) {
      this.#timer = setInterval(() => {
        // A slow tick is not stacked: the next one starts after it ends.
        this.#ticking ??= this.tick().finally(() => {
          this.#ticking = undefined;
        });
      }, settings.tickMs);
      this.#timer.unref();
    }
  }

  /** One pass: schedule due syncs, recover lost runs, then the other tasks. A failing part is logged, not fatal. */
  async tick(): Promise<void> {
    const { scheduler, reaper, tasks, clock, logger } = this.deps;
    const steps: TickTask[] = [
      { name: 'scheduler', run: (now) => scheduler.scheduleDue(now) },
      { name: 'reaper', run: (now) => reaper.reap(now) },
      ...tasks,
    ];
    for (const step of steps) {
      try {
        await step.run(clock.now());
      } catch (err) {
        logger.error({ err, task: step.name }, 'background task failed; retried on the next tick');
      }
    }
  }

  /** Stops ticking and taking jobs; runs in progress go back to pending for another worker. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
    this.deps.executor.abortAll();
    await this.deps.queue.close();
    await this.deps.executor.close();
  }
}

/**
 * One contract, two JobQueue implementations: what the engine relies on from the queue holds for
 * the in-process queue (embedded mode) and for BullMQ (scale-out; when REDIS_URL is set).
 */
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/platform/logging/logger.js';
import { BullMqQueue } from '../../src/platform/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/platform/queue/in-process-queue.js';
import type { JobQueue } from '../../src/platform/queue/job-queue.js';
import { type PagedProvider, startPagedProvider } from '../fakes/paged-provider.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { REDIS_URL, uniqueName } from '../helpers/env.js';
import { seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

const logger = createLogger('silent');

interface Backend {
  name: 'in-process' | 'bullmq';
  /** A fresh, empty queue, and how to remove whatever it left behind. */
  create(): { queue: JobQueue; dispose(): Promise<void> };
}

const backends: Backend[] = [
  { name: 'in-process', create: () => ({ queue: new InProcessQueue(logger), dispose: async () => {} }) },
  ...(REDIS_URL
    ? [
        {
          name: 'bullmq' as const,
          create() {
            const prefix = `${uniqueName('sbqueue')}:`;
            return {
              queue: new BullMqQueue({ url: REDIS_URL!, prefix, name: 'contract', lockMs: 5000 }, logger),
              async dispose() {
                const side = new Queue('contract', {
                  connection: { url: REDIS_URL! },
                  prefix: `${prefix}bull`,
                });
                await side.obliterate({ force: true });
                await side.close();
              },
            };
          },
        },
      ]
    : []),
];

/** A handler that records what it was given and can hold a job until the test lets it go. */
function recordingHandler() {
  const started: string[] = [];
  const finished: string[] = [];
  const gates = new Map<string, () => void>();
  const blocked = new Map<string, Promise<void>>();
  const failing = new Set<string>();
  let active = 0;
  let maxActive = 0;
  return {
    started,
    finished,
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    /** Jobs with this id wait in the handler until `release(id)`. */
    hold(id: string) {
      blocked.set(id, new Promise<void>((resolve) => gates.set(id, resolve)));
    },
    release(id: string) {
      gates.get(id)?.();
      blocked.delete(id);
    },
    /** Jobs with this id throw. */
    fail(id: string) {
      failing.add(id);
    },
    handler: async (id: string) => {
      started.push(id);
      active += 1;
      maxActive = Math.max(maxActive, active);
      try {
        await blocked.get(id);
        if (failing.has(id)) throw new Error(`handler for ${id} failed`);
      } finally {
        active -= 1;
        finished.push(id);
      }
    },
  };
}

const until = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 5 });

describe.each(backends)('JobQueue contract: $name', (backend) => {
  let queue: JobQueue;
  let dispose: () => Promise<void>;
  let closed: Promise<void> | undefined;

  const open = () => {
    ({ queue, dispose } = backend.create());
    closed = undefined;
  };
  const close = () => {
    closed ??= queue.close();
    return closed;
  };

  afterEach(async () => {
    await close();
    await dispose();
  });

  it('hands an enqueued id to the handler', async () => {
    open();
    const h = recordingHandler();
    queue.consume(h.handler, 2);
    await queue.enqueue('job-1');
    await until(() => expect(h.finished).toEqual(['job-1']));
    expect(h.started).toEqual(['job-1']);
  });

  it('holds a job while it waits and while it is handled, not before nor after', async () => {
    open();
    const h = recordingHandler();
    expect(await queue.holds('job-1')).toBe(false);
    await queue.enqueue('job-1');
    expect(await queue.holds('job-1')).toBe(true);
    h.hold('job-1');
    queue.consume(h.handler, 1);
    await until(() => expect(h.started).toEqual(['job-1']));
    expect(await queue.holds('job-1')).toBe(true);
    h.release('job-1');
    await until(async () => expect(await queue.holds('job-1')).toBe(false));
    expect(h.finished).toEqual(['job-1']);
  });

  it('runs an id enqueued again while it is held once; once finished, the id can be enqueued again', async () => {
    open();
    const h = recordingHandler();
    // Twice while waiting, once more while being handled.
    await queue.enqueue('run-1');
    await queue.enqueue('run-1');
    h.hold('run-1');
    queue.consume(h.handler, 4);
    await until(() => expect(h.started).toEqual(['run-1']));
    await queue.enqueue('run-1');
    h.release('run-1');
    await until(async () => expect(await queue.holds('run-1')).toBe(false));
    expect(h.finished).toEqual(['run-1']);

    // A run that went back to pending (a retry) is enqueued again under the same id.
    await queue.enqueue('run-1');
    await until(() => expect(h.finished).toEqual(['run-1', 'run-1']));
    // Had any of the duplicates been kept, it would have run before this second job.
    expect(h.started).toEqual(['run-1', 'run-1']);
  });

  it('never runs more handlers at once than its concurrency', async () => {
    open();
    const h = recordingHandler();
    const ids = Array.from({ length: 8 }, (_, i) => `job-${i}`);
    for (const id of ids) h.hold(id);
    queue.consume(h.handler, 3);
    for (const id of ids) await queue.enqueue(id);
    await until(() => expect(h.active).toBe(3));
    // The others are still held by the queue, waiting.
    const waiting = ids.filter((id) => !h.started.includes(id));
    expect(waiting).toHaveLength(5);
    for (const id of waiting) expect(await queue.holds(id)).toBe(true);
    expect(h.started).toHaveLength(3);

    // Each job let go makes room for exactly one more.
    for (let done = 1; done <= ids.length; done++) {
      const next = h.started.find((id) => !h.finished.includes(id))!;
      h.release(next);
      await until(() => {
        expect(h.finished).toHaveLength(done);
        expect(h.active).toBe(Math.min(3, ids.length - done));
      });
      expect(h.maxActive).toBe(3);
    }
    expect([...h.started].sort()).toEqual([...ids].sort());
  });

  it('keeps going after a handler throws, and the failed id can be enqueued again', async () => {
    open();
    const h = recordingHandler();
    h.fail('bad');
    queue.consume(h.handler, 1);
    await queue.enqueue('bad');
    await queue.enqueue('good');
    await until(() => expect(h.finished).toEqual(['bad', 'good']));
    await until(async () => expect(await queue.holds('bad')).toBe(false));
    await queue.enqueue('bad');
    await until(() => expect(h.finished).toEqual(['bad', 'good', 'bad']));
  });

  it('on close, waits for the handlers running and takes no more jobs', async () => {
    open();
    const h = recordingHandler();
    h.hold('first');
    queue.consume(h.handler, 1);
    await queue.enqueue('first');
    await queue.enqueue('second');
    await until(() => expect(h.started).toEqual(['first']));

    let done = false;
    const closing = close().then(() => {
      done = true;
    });
    // Give close every chance to return early: it must not while `first` runs.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(h.finished).toEqual([]);
    h.release('first');
    await closing;
    expect(h.finished).toEqual(['first']);
    expect(h.started).toEqual(['first']);
  });
});

describe.each(backends)('a sync end to end through the $name queue', (backend) => {
  let t: TestApp;
  let provider: PagedProvider;

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      worker: true,
      queueBackend: backend.name,
      env: { ...SYNC_TEST_ENV, ...(backend.name === 'bullmq' ? { REDIS_URL: REDIS_URL! } : {}) },
    });
    provider = await startPagedProvider({ total: 250, token: 'tok' });
  });
  afterAll(async () => {
    await provider.close();
    await t.close();
  });

  it('queues, executes and stores a run', async () => {
    const h = syncHarness(t, await seedUser(t));
    const id = await h.connected('paged-fake', { base_url: provider.url, api_token: 'tok' });
    const runId = await h.trigger(id);
    const run = await h.settled(id, runId);
    expect(run).toMatchObject({ status: 'completed', retry_count: 0 });
    expect(run.stats).toMatchObject({ items_synced: 250, items_created: 250 });
    const records = await h.records(id);
    expect(records).toHaveLength(250);
    expect(records.every((r) => r.last_seen_run_id === runId)).toBe(true);
    const row = await t.ctx.database.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ lease_owner: null, lease_expires_at: null });
    expect(await h.connection(id)).toMatchObject({ status: 'connected', total_runs: 1, successful_runs: 1 });
    await until(async () => expect(await t.app.services.queue.holds(runId)).toBe(false));
  });
});

import fs from 'node:fs';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSyncWorker } from '../../src/modules/sync/engine/engine.js';
import type { SyncWorker } from '../../src/modules/sync/engine/worker.js';
import { claimRun } from '../../src/modules/sync/storage/runs.js';
import { type PagedProvider, startPagedProvider } from '../fakes/paged-provider.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type CliProcess, startCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/clock.js';
import { postgresDatabase, sqliteDatabase, tempDir } from '../helpers/databases.js';
import { DATABASE_URL, REDIS_URL, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, uniqueName } from '../helpers/env.js';
import { seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

const LOST = 'The worker running this sync stopped responding (its lease expired)';
const RECOVERED_LOG = 'recovered a run whose worker was lost';
const SMALL_DEMO = { api_token: 'x', users: 5, groups: 1, repositories: 1 };

const iso = (value: unknown) => new Date(value as string).toISOString();

/** Waits until `check` passes, calling `step` (a tick) before each try. */
function eventually(step: () => Promise<unknown>, check: () => Promise<void>, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      await step();
      await check();
    },
    { timeout, interval: 20 },
  );
}

const modes = [
  { mode: 'embedded: in-process queue, the reaper dispatches', redis: false },
  ...(REDIS_URL ? [{ mode: 'scale-out: BullMQ on Redis', redis: true }] : []),
];

describe.each(modes)('a `switchboard worker` killed with SIGKILL mid-run ($mode)', ({ redis }) => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  let provider: PagedProvider;
  let cli: CliProcess | undefined;
  let worker: SyncWorker | undefined;
  // Starts at the real time: the child's leases are written in real time.
  const clock = new FakeClock(new Date().toISOString());
  const dataDir = tempDir();
  let childEnv: Record<string, string>;

  beforeAll(async () => {
    const database = DATABASE_URL ? await postgresDatabase(DATABASE_URL) : sqliteDatabase(dataDir);
    const shared: Record<string, string> = {
      SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
      SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      SWITCHBOARD_RUN_LEASE_MS: '1000',
      SWITCHBOARD_SYNC_RETRY_BASE_MS: '1000',
      SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
      ...(redis ? { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `${uniqueName('sbrecover')}:` } : {}),
    };
    t = await testApp({
      connectors: syncConnectors,
      database,
      clock,
      queueBackend: redis ? 'bullmq' : 'in-process',
      env: { ...SYNC_TEST_ENV, ...shared },
    });
    h = syncHarness(t, await seedUser(t));
    provider = await startPagedProvider({ total: 250, token: 'tok' });
    childEnv = {
      ...shared,
      SWITCHBOARD_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      SWITCHBOARD_SCHEDULER_INTERVAL_MS: '100',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
  });
  afterAll(async () => {
    cli?.child.kill('SIGKILL');
    await worker?.stop();
    await provider?.close();
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('recovers the run: retried as a new attempt, completed by another worker, never left running', async () => {
    // The test app only queues; the child is the only worker until it dies.
    cli = startCli(['worker'], childEnv, { imports: ['test/fakes/register-paged-connector.ts'] });
    await cli.waitForLog((l) => l.msg === 'switchboard started');
    const childPid = cli.child.pid!;

    const id = await h.connected('paged-fake', { base_url: provider.url, api_token: 'tok' });
    const held = provider.hold(2);
    const runId = await h.trigger(id);
    await held;
    const row = () =>
      t.ctx.database.db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    // Page 1 is committed by the child, which holds the run's lease while it waits for page 2.
    await vi.waitFor(
      async () => {
        const run = await row();
        expect(run.status).toBe('running');
        expect(run.stats.items_synced).toBe(100);
      },
      { timeout: 10_000, interval: 10 },
    );
    expect((await row()).lease_owner).toContain(`:${childPid}:`);
    expect((await h.connection(id)).status).toBe('syncing');

    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(cli.child.signalCode).toBe('SIGKILL');
    provider.release();
    const orphan = await row();
    expect(orphan.status).toBe('running');
    const requestsBefore = provider.requests.length;

    // Another worker starts; its reaper runs once the dead worker's lease has expired.
    worker = createSyncWorker(t.app.services);
    worker.start({ tick: false });
    clock.advance(Date.parse(orphan.lease_expires_at!) - clock.now().getTime() - 1);
    await worker.tick();
    expect((await row()).status).toBe('running');
    clock.advance(2);
    await worker.tick();
    const retrying = await row();
    expect(retrying).toMatchObject({
      status: 'pending',
      retry_count: 1,
      error_message: LOST,
      error_class: 'transient',
      lease_owner: null,
      lease_expires_at: null,
    });
    expect(Date.parse(retrying.not_before!)).toBeGreaterThan(clock.now().getTime());
    expect((await h.connection(id)).status).toBe('connected');
    expect(t.logs.lines.filter((l) => l.msg === RECOVERED_LOG && l.run_id === runId)).toHaveLength(1);

    // After the backoff the reaper hands it to the queue and the new worker completes it.
    clock.advance(Date.parse(retrying.not_before!) - clock.now().getTime());
    await eventually(
      () => worker!.tick(),
      async () => expect((await row()).status).toBe('completed'),
    );
    const done = await h.run(id, runId);
    expect(done).toMatchObject({ status: 'completed', retry_count: 1, error_message: null });
    expect(done.stats).toMatchObject({ items_synced: 250, items_created: 250 });
    // The new attempt resumed from the cursor the child committed: pages 2 and 3 only.
    expect(provider.requests.slice(requestsBefore).map((r) => r.page)).toEqual([2, 3]);
    const records = await h.records(id);
    expect(records).toHaveLength(250);
    expect(records.every((r) => r.last_seen_run_id === runId && r.deleted_at === null)).toBe(true);
    expect(await h.connection(id)).toMatchObject({
      status: 'connected',
      last_sync_status: 'completed',
      total_runs: 1,
      successful_runs: 1,
      failed_runs: 0,
      consecutive_failures: 0,
    });

    const logs = (
      await h.call('GET', `/integration-connections/${id}/runs/${runId}/logs?per_page=200`)
    ).json();
    const messages = logs.data.map((l: { message: string }) => l.message);
    expect(messages).toContain(`${LOST}; retrying as attempt 2`);
    expect(logs.data.find((l: { message: string }) => l.message.startsWith(LOST))).toMatchObject({
      level: 'warn',
      source: 'engine',
      details: { lease_owner: expect.stringContaining(`:${childPid}:`) },
    });
    expect(messages).toContain('Sync attempt 2 of 4 started');
    expect(messages.some((m: string) => m.startsWith('Sync completed'))).toBe(true);
  });
});

describe('the reaper on an expired lease (a worker that claimed a run and died)', () => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  let worker: SyncWorker;
  const clock = new FakeClock();
  const DEAD_WORKER = 'dead-host:4242:abcdef';

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      clock,
      queueBackend: 'in-process',
      env: { ...SYNC_TEST_ENV, SWITCHBOARD_SYNC_RETRY_BASE_MS: '10000', SWITCHBOARD_SYNC_MAX_RETRIES: '2' },
    });
    h = syncHarness(t, await seedUser(t));
    worker = createSyncWorker(t.app.services);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
  });

  const row = (runId: string) =>
    t.ctx.database.db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();

  /** A run claimed by a worker that then vanished: running, with a lease nobody renews. */
  async function orphanedRun(id: string, attempt: { retry_count?: number } = {}) {
    const runId = await h.trigger(id);
    const db = t.ctx.database.db;
    if (attempt.retry_count !== undefined)
      await db
        .updateTable('sync_runs')
        .set({ retry_count: attempt.retry_count })
        .where('id', '=', runId)
        .execute();
    const claimed = await claimRun(db, runId, DEAD_WORKER, clock.now(), t.ctx.config.sync.leaseMs);
    expect(claimed?.status).toBe('running');
    await db.updateTable('integration_connections').set({ status: 'syncing' }).where('id', '=', id).execute();
    return { runId, leaseExpiresAt: Date.parse(claimed!.lease_expires_at!) };
  }

  it('fails the run when no attempts are left, with the message, and updates the connection', async () => {
    const id = await h.connected('demo', SMALL_DEMO);
    const { runId, leaseExpiresAt } = await orphanedRun(id, { retry_count: 2 });
    clock.advance(leaseExpiresAt + 1 - clock.now().getTime());
    const now = clock.now();
    await worker.tick();

    const run = await row(runId);
    expect(run).toMatchObject({
      status: 'failed',
      retry_count: 2,
      error_message: `${LOST}; no attempts left`,
      error_class: 'transient',
      lease_owner: null,
      lease_expires_at: null,
      not_before: null,
    });
    expect(iso(run.completed_at)).toBe(now.toISOString());
    expect(run.duration_ms).toBe(now.getTime() - Date.parse(run.started_at!));
    expect(await h.connection(id)).toMatchObject({
      status: 'connected',
      last_sync_status: 'failed',
      last_sync_error: `${LOST}; no attempts left`,
      total_runs: 1,
      successful_runs: 0,
      failed_runs: 1,
      consecutive_failures: 1,
      health: 'degraded',
    });
    const logs = (
      await h.call('GET', `/integration-connections/${id}/runs/${runId}/logs?level=error`)
    ).json();
    expect(logs.data).toHaveLength(1);
    expect(logs.data[0]).toMatchObject({ message: `${LOST}; no attempts left`, source: 'engine' });
    expect(((await h.run(id, runId)).log_counts as Record<string, number>).error).toBe(1);
    // The connection is free again (the run is queued; this test's reaper does not execute runs).
    expect((await h.run(id, await h.trigger(id))).status).toBe('pending');
  });
  it('leaves a valid lease alone, then retries the run as a new attempt once it expires (once, however many reapers)', async () => {
    const id = await h.connected('demo', SMALL_DEMO);
    const { runId, leaseExpiresAt } = await orphanedRun(id);
    // Consuming from now on: the job the trigger queued is dropped, the run is not pending.
    worker.start({ tick: false });

    clock.advance(leaseExpiresAt - clock.now().getTime());
    await worker.tick();
    expect(await row(runId)).toMatchObject({ status: 'running', lease_owner: DEAD_WORKER, retry_count: 0 });

    clock.advance(1);
    const reapedAt = clock.now().getTime();
    // Two workers' reapers at once: one recovery.
    await Promise.all([worker.tick(), createSyncWorker(t.app.services).tick()]);
    const run = await row(runId);
    expect(run).toMatchObject({
      status: 'pending',
      retry_count: 1,
      max_retries: 2,
      error_message: LOST,
      error_class: 'transient',
      lease_owner: null,
      lease_expires_at: null,
      completed_at: null,
    });
    const delay = Date.parse(run.not_before!) - reapedAt;
    expect(delay).toBeGreaterThanOrEqual(5000);
    expect(delay).toBeLessThanOrEqual(10_000);
    expect((await h.connection(id)).status).toBe('connected');
    expect(t.logs.lines.filter((l) => l.msg === RECOVERED_LOG && l.run_id === runId)).toHaveLength(1);
    const view = await h.run(id, runId);
    expect(view).toMatchObject({ status: 'pending', retry_count: 1, next_attempt_at: iso(run.not_before) });
    expect((view.log_counts as Record<string, number>).warn).toBe(1);

    // Not before its backoff; then the next attempt runs to completion.
    await worker.tick();
    expect((await row(runId)).status).toBe('pending');
    clock.advance(Date.parse(run.not_before!) - clock.now().getTime());
    await worker.tick();
    const done = await h.settled(id, runId);
    expect(done).toMatchObject({ status: 'completed', retry_count: 1 });
    expect(await h.records(id)).toHaveLength(done.stats.items_synced);
    expect(await h.connection(id)).toMatchObject({
      total_runs: 1,
      successful_runs: 1,
      consecutive_failures: 0,
    });
    const logs = (await h.call('GET', `/integration-connections/${id}/runs/${runId}/logs?level=warn`)).json();
    expect(logs.data.map((l: { message: string }) => l.message)).toEqual([`${LOST}; retrying as attempt 2`]);
  });
});

describe.skipIf(!REDIS_URL)('a BullMQ job lost on purpose', () => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  let worker: SyncWorker | undefined;
  let side: Queue;

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      queueBackend: 'bullmq',
      env: { ...SYNC_TEST_ENV, REDIS_URL: REDIS_URL! },
    });
    h = syncHarness(t, await seedUser(t));
    // The same queue, seen from outside the app: BullMQ's prefix is the app's key prefix + "bull".
    side = new Queue('sync-runs', {
      connection: { url: REDIS_URL! },
      prefix: `${t.ctx.config.redis!.keyPrefix}bull`,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await side.obliterate({ force: true });
    await side.close();
    await t.close();
  });

  it('is re-enqueued by the reaper from the pending row, and the run executes', async () => {
    const id = await h.connected('demo', SMALL_DEMO);
    const runId = await h.trigger(id);
    const job = await side.getJob(runId);
    expect(job?.id).toBe(runId);
    expect(await job!.getState()).toBe('waiting');
    expect(await t.app.services.queue.holds(runId)).toBe(true);

    // Redis loses the job (a flush, a failover without persistence): only the row remains.
    expect(await side.remove(runId)).toBe(1);
    expect(await t.app.services.queue.holds(runId)).toBe(false);
    worker = createSyncWorker(t.app.services);
    worker.start({ tick: false });
    expect(await side.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
    expect((await h.run(id, runId)).status).toBe('pending');

    await worker.tick();
    const done = await h.settled(id, runId);
    expect(done).toMatchObject({ status: 'completed', retry_count: 0, trigger: 'manual' });
    expect(await h.records(id)).toHaveLength(done.stats.items_synced);
    expect(await h.connection(id)).toMatchObject({ last_sync_status: 'completed', total_runs: 1 });
    // Finished jobs leave Redis, so a later retry of the same run id can be enqueued again.
    await vi.waitFor(async () => expect(await side.getJob(runId)).toBeUndefined(), {
      timeout: 5000,
      interval: 10,
    });
  });
});

describe.skipIf(!REDIS_URL)('a cancel reaching a `switchboard worker` through Redis', () => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  let provider: PagedProvider;
  let cli: CliProcess | undefined;
  const dataDir = tempDir();

  beforeAll(async () => {
    const database = DATABASE_URL ? await postgresDatabase(DATABASE_URL) : sqliteDatabase(dataDir);
    const shared: Record<string, string> = {
      SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
      SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      // A heartbeat every 20 s: a cancel seen sooner came through the notice, not the lease.
      SWITCHBOARD_RUN_LEASE_MS: '60000',
      SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: `${uniqueName('sbcancel')}:`,
    };
    t = await testApp({
      connectors: syncConnectors,
      database,
      queueBackend: 'bullmq',
      env: { ...SYNC_TEST_ENV, ...shared },
    });
    h = syncHarness(t, await seedUser(t));
    provider = await startPagedProvider({ total: 250, token: 'tok' });
    cli = startCli(
      ['worker'],
      {
        ...shared,
        SWITCHBOARD_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
      },
      { imports: ['test/fakes/register-paged-connector.ts'] },
    );
    await cli.waitForLog((l) => l.msg === 'switchboard started');
  });
  afterAll(async () => {
    cli?.child.kill('SIGKILL');
    await provider?.close();
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops the worker's connector at once, long before its next heartbeat; what it committed stays", async () => {
    const id = await h.connected('paged-fake', { base_url: provider.url, api_token: 'tok' });
    const before = provider.requests.length;
    const held = provider.hold(2);
    const runId = await h.trigger(id);
    await held;
    // Page 1 is committed by the worker, which waits for page 2.
    await vi.waitFor(async () => expect((await h.run(id, runId)).stats.items_synced).toBe(100), {
      timeout: 10_000,
      interval: 10,
    });
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    // The worker aborted its request for page 2: the provider saw the client go.
    await vi.waitFor(() => expect(provider.abandoned).toEqual([2]), { timeout: 5_000, interval: 10 });
    provider.release();
    expect((await h.run(id, runId)).status).toBe('cancelled');
    expect(await h.records(id)).toHaveLength(100);
    expect(await h.connection(id)).toMatchObject({ status: 'connected', last_sync_status: null });
    expect(provider.requests.slice(before).map((r) => r.page)).toEqual([1, 2]);
  });
});

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config.js';
import { SyncScheduler } from '../../src/modules/sync/engine/scheduler.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { newId } from '../../src/platform/ids.js';
import { type PagedProvider, startPagedProvider } from '../fakes/paged-provider.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { DATABASE_URL } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

const MINUTE = 60_000;
const SMALL_DEMO = { api_token: 'x', users: 5, groups: 1, repositories: 1 };
const SKIPPED = 'scheduled sync skipped: the connection already has a run in progress';

const iso = (value: unknown) => new Date(value as string).toISOString();

describe('sync scheduler (fake clock)', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let provider: PagedProvider;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: SYNC_TEST_ENV,
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
    provider = await startPagedProvider({ total: 250, token: 'tok' });
  });
  afterAll(async () => {
    await provider.close();
    await t.close();
  });

  const runsOf = (id: string) =>
    t.ctx.database.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('connection_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();

  const tick = async () => {
    await t.worker!.tick();
  };

  it('fires an interval schedule exactly on its slot, keeps the cadence, and runs it to completion', async () => {
    const enabledAt = clock.now().getTime();
    const id = await h.connected('demo', SMALL_DEMO, { sync_interval_mins: 15 });
    const slot = enabledAt + 15 * MINUTE;
    expect(iso((await h.connection(id)).next_sync_at)).toBe(iso(slot));
    const exposed = await h.call('GET', `/integration-connections/${id}`);
    expect(iso(exposed.json().data.next_sync_at)).toBe(iso(slot));

    // One millisecond before the slot: nothing.
    clock.advance(slot - 1 - clock.now().getTime());
    await tick();
    expect(await runsOf(id)).toHaveLength(0);

    // On the slot: one scheduled run for that slot; the next slot is exactly one interval later.
    clock.advance(1);
    await tick();
    const [run, ...others] = await runsOf(id);
    expect(others).toHaveLength(0);
    // Its first: full, as no full sync has completed yet.
    expect(run).toMatchObject({ trigger: 'scheduled', full_sync: true, triggered_by: null, retry_count: 0 });
    expect(iso(run!.scheduled_for)).toBe(iso(slot));
    expect(iso(run!.queued_at)).toBe(iso(slot));
    expect(iso((await h.connection(id)).next_sync_at)).toBe(iso(slot + 15 * MINUTE));

    const done = await h.settled(id, run!.id);
    expect(done).toMatchObject({ status: 'completed', trigger: 'scheduled', scheduled_for: iso(slot) });
    const records = await h.records(id);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.last_seen_run_id === run!.id)).toBe(true);
    expect(done.stats).toMatchObject({ items_synced: records.length, items_created: records.length });
    expect(await h.connection(id)).toMatchObject({
      status: 'connected',
      last_sync_status: 'completed',
      total_runs: 1,
      successful_runs: 1,
    });
    const listed = await h.call('GET', `/integration-connections/${id}/runs?trigger=scheduled`);
    expect(listed.json().data.map((r: { id: string }) => r.id)).toEqual([run!.id]);

    // Ticking again at the same instant creates nothing more.
    await tick();
    expect(await runsOf(id)).toHaveLength(1);

    // A tick five minutes late fills the slot that was due and keeps the cadence (not now + 15).
    const second = slot + 15 * MINUTE;
    clock.advance(second + 5 * MINUTE - clock.now().getTime());
    await tick();
    const runs = await runsOf(id);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ trigger: 'scheduled', full_sync: false });
    expect(iso(runs[1]!.scheduled_for)).toBe(iso(second));
    expect(iso((await h.connection(id)).next_sync_at)).toBe(iso(second + 15 * MINUTE));
    expect((await h.settled(id, runs[1]!.id)).status).toBe('completed');
  });

  it('fires a cron schedule on its boundaries and does not replay the slots missed during a long gap', async () => {
    // Off any boundary, so the cron visibly rounds up.
    clock.advance(7 * MINUTE + 13_000);
    const enabledAt = clock.now().getTime();
    const halfHour = 30 * MINUTE;
    const id = await h.connected('demo', SMALL_DEMO, { sync_cron: '*/30 * * * *' });
    const slot = Math.floor(enabledAt / halfHour) * halfHour + halfHour;
    const connection = await h.connection(id);
    expect(connection.sync_cron).toBe('*/30 * * * *');
    expect(iso(connection.next_sync_at)).toBe(iso(slot));
    expect(new Date(slot).getUTCMinutes() % 30).toBe(0);

    clock.advance(slot - 1 - clock.now().getTime());
    await tick();
    expect(await runsOf(id)).toHaveLength(0);
    clock.advance(1);
    await tick();
    const [first] = await runsOf(id);
    expect(first).toMatchObject({ trigger: 'scheduled' });
    expect(iso(first!.scheduled_for)).toBe(iso(slot));
    expect(iso((await h.connection(id)).next_sync_at)).toBe(iso(slot + halfHour));
    expect((await h.settled(id, first!.id)).status).toBe('completed');

    // Five hours and seven minutes pass with no scheduler: ten slots were missed; one run fills the
    // slot that was due, and the schedule moves to the next boundary after now.
    clock.advance(5 * 60 * MINUTE + 7 * MINUTE);
    const now = clock.now().getTime();
    await tick();
    await tick();
    const runs = await runsOf(id);
    expect(runs).toHaveLength(2);
    expect(iso(runs[1]!.scheduled_for)).toBe(iso(slot + halfHour));
    expect(iso((await h.connection(id)).next_sync_at)).toBe(
      iso(Math.floor(now / halfHour) * halfHour + halfHour),
    );
    expect((await h.settled(id, runs[1]!.id)).status).toBe('completed');
  });

  it('skips the slot of a connection whose run is still in progress, logs it, and still advances', async () => {
    const id = await h.connected(
      'paged-fake',
      { base_url: provider.url, api_token: 'tok' },
      { sync_interval_mins: 15 },
    );
    const slot = Date.parse((await h.connection(id)).next_sync_at as string);

    // A manual run is running (held on page 2) when the slot comes; its lease is still valid then.
    clock.advance(slot - 1000 - clock.now().getTime());
    const held = provider.hold(2);
    const manual = await h.trigger(id);
    await held;
    expect((await h.run(id, manual)).status).toBe('running');
    clock.advance(1000);
    await tick();
    expect((await runsOf(id)).map((r) => r.id)).toEqual([manual]);
    expect(iso((await h.connection(id)).next_sync_at)).toBe(iso(slot + 15 * MINUTE));
    const skipped = t.logs.lines.filter((l) => l.msg === SKIPPED && l.connection_id === id);
    expect(skipped).toHaveLength(1);
    expect(iso(skipped[0]!.slot)).toBe(iso(slot));
    expect((await h.run(id, manual)).status).toBe('running');

    provider.release();
    expect((await h.settled(id, manual)).status).toBe('completed');

    // A run waiting out a retry backoff is active too: the next slot is skipped as well.
    provider.failNext({ status: 429, headers: { 'retry-after': '3600' } });
    const retrying = await h.trigger(id);
    // Back to pending after its first attempt, waiting an hour for its next.
    await vi.waitFor(
      async () => {
        const run = await h.run(id, retrying);
        if (run.status !== 'pending' || run.retry_count !== 1) throw new Error(`run is ${run.status}`);
      },
      { timeout: 10_000, interval: 5 },
    );
    clock.advance(slot + 15 * MINUTE - clock.now().getTime());
    await tick();
    expect((await runsOf(id)).map((r) => r.id)).toEqual([manual, retrying]);
    expect(t.logs.lines.filter((l) => l.msg === SKIPPED && l.connection_id === id)).toHaveLength(2);
    expect(iso((await h.connection(id)).next_sync_at)).toBe(iso(slot + 30 * MINUTE));
    expect((await h.run(id, retrying)).status).toBe('pending');
  });
  // Last: it moves the clock a day on.
  it('makes a scheduled sync full once the last full one completed 24 hours ago, so what the provider deleted is marked deleted', async () => {
    const own = await startPagedProvider({ total: 30, token: 'tok' });
    try {
      const id = await h.connected(
        'paged-fake',
        { base_url: own.url, api_token: 'tok' },
        { sync_interval_mins: 360 },
      );
      const live = async () => (await h.records(id)).filter((r) => r.deleted_at === null).length;
      const full: boolean[] = [];
      for (let slot = 1; slot <= 5; slot++) {
        const due = Date.parse(iso((await h.connection(id)).next_sync_at));
        clock.advance(due - clock.now().getTime());
        await tick();
        const run = (await runsOf(id)).at(-1)!;
        expect(iso(run.scheduled_for)).toBe(iso(due));
        // From the database: the clock moves past the access token's life.
        const ended = await vi.waitFor(
          async () => {
            const row = (await runsOf(id)).find((r) => r.id === run.id)!;
            if (!['completed', 'partial', 'failed', 'cancelled'].includes(row.status))
              throw new Error(row.status);
            return row;
          },
          { timeout: 15_000, interval: 10 },
        );
        expect(ended.status).toBe('completed');
        full.push(run.full_sync);
        // The provider deletes five records after the first (full) sync; incremental ones never notice.
        if (slot === 1) own.total = 25;
        if (slot === 4) expect(await live()).toBe(30);
      }
      // Slots 6 h apart: the fifth is 24 h after the first, which completed on its slot.
      expect(full).toEqual([true, false, false, false, true]);
      expect(await live()).toBe(25);
    } finally {
      await own.close();
    }
  });
});

describe('several schedulers on one database', () => {
  let t: TestApp;
  let h: ReturnType<typeof syncHarness>;
  const clock = new FakeClock();
  const cleanups: (() => Promise<unknown>)[] = [];
  const ROUNDS = 3;

  beforeAll(async () => {
    t = await testApp({ connectors: syncConnectors, clock, env: SYNC_TEST_ENV });
    h = syncHarness(t, await seedUser(t));
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    await t.close();
  });

  /** `count` connections due now: one made through the API, the rest copies of its row. */
  async function dueConnections(count: number): Promise<string[]> {
    const id = await h.connected('demo', SMALL_DEMO, { sync_interval_mins: 5 });
    const db = t.ctx.database.db;
    const template = await db
      .selectFrom('integration_connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const copies = Array.from({ length: count - 1 }, (_, i) => ({
      ...template,
      id: newId(),
      name: `${template.name} copy ${i}`,
    }));
    await db.insertInto('integration_connections').values(copies).execute();
    const ids = [id, ...copies.map((c) => c.id)];
    // Off when the test ends, so the next test's schedulers see only its own connections.
    cleanups.push(() =>
      db.updateTable('integration_connections').set({ sync_enabled: false }).where('id', 'in', ids).execute(),
    );
    await db
      .updateTable('integration_connections')
      .set({ next_sync_at: clock.now().toISOString() })
      .where('id', 'in', ids)
      .execute();
    return ids;
  }

  /**
   * ROUNDS rounds: every scheduler ticks twice at once at the same instant, then the runs end (so the
   * connections are free for their next slot) and the clock moves one interval on.
   */
  async function race(ids: string[], tickAll: (now: Date) => Promise<string[][]>): Promise<string[]> {
    const created: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const now = clock.now();
      created.push(...(await tickAll(now)).flat());
      await t.ctx.database.db
        .updateTable('sync_runs')
        .set({ status: 'completed', completed_at: now.toISOString() })
        .where('connection_id', 'in', ids)
        .where('status', '=', 'pending')
        .execute();
      clock.advance(5 * MINUTE);
    }
    return created;
  }

  /** One run per connection and slot, every slot filled, each created (reported) by one scheduler. */
  async function expectEachSlotOnce(ids: string[], created: string[]) {
    const runs = await t.ctx.database.db
      .selectFrom('sync_runs')
      .select(['id', 'connection_id', 'scheduled_for', 'trigger'])
      .where('connection_id', 'in', ids)
      .execute();
    expect(runs).toHaveLength(ids.length * ROUNDS);
    expect(new Set(runs.map((r) => `${r.connection_id}@${iso(r.scheduled_for)}`)).size).toBe(
      ids.length * ROUNDS,
    );
    expect(runs.every((r) => r.trigger === 'scheduled')).toBe(true);
    const perConnection = new Map<string, number>();
    for (const r of runs) perConnection.set(r.connection_id, (perConnection.get(r.connection_id) ?? 0) + 1);
    expect(perConnection.size).toBe(ids.length);
    expect([...perConnection.values()].every((n) => n === ROUNDS)).toBe(true);
    expect([...created].sort()).toEqual(runs.map((r) => r.id).sort());
  }

  it.skipIf(!DATABASE_URL)(
    'three scheduler instances on PostgreSQL, each with its own pool, create each scheduled run exactly once',
    async () => {
      const ids = await dueConnections(250);
      const handles = [0, 1, 2].map(() => openDatabase(t.ctx.config.database));
      cleanups.push(() => Promise.all(handles.map((handle) => handle.close())));
      const dispatched: string[] = [];
      const schedulers = handles.map(
        (handle) =>
          new SyncScheduler(
            handle.db,
            t.ctx.config.sync,
            async (runId) => {
              dispatched.push(runId);
            },
            t.ctx.logger,
          ),
      );
      const created = await race(ids, (now) =>
        Promise.all([...schedulers, ...schedulers].map((scheduler) => scheduler.scheduleDue(now))),
      );
      await expectEachSlotOnce(ids, created);
      // Only the scheduler that created a run dispatched it.
      expect(dispatched.sort()).toEqual([...created].sort());
      expect(t.logs.lines.filter((l) => l.msg === SKIPPED)).toHaveLength(0);
    },
  );

  it(`three scheduler processes on one ${DATABASE_URL ? 'PostgreSQL database' : 'SQLite file (WAL)'} create each scheduled run exactly once`, async () => {
    // More slots than one scheduler transaction takes, so the processes interleave their chunks.
    const ids = await dueConnections(250);
    const processes = [0, 1, 2].map(() => startScheduler(t.ctx.config.database));
    cleanups.push(async () => {
      for (const p of processes) p.stop();
      await Promise.all(processes.map((p) => p.exited));
    });
    await Promise.all(processes.map((p) => p.next()));
    const created = await race(ids, async (now) => {
      // Each process gets two ticks at once; all three start together.
      const replies = processes.flatMap((p) => {
        p.send(now.toISOString());
        p.send(now.toISOString());
        return [p.next(), p.next()];
      });
      return (await Promise.all(replies)).map((line) => JSON.parse(line) as string[]);
    });
    await expectEachSlotOnce(ids, created);
  });
});

/** A SyncScheduler in a child process (test/fakes/scheduler-process.ts), driven line by line. */
function startScheduler(database: Config['database']) {
  const script = fileURLToPath(new URL('../fakes/scheduler-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', SCHEDULER_DATABASE: JSON.stringify(database) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  return {
    exited,
    send(line: string) {
      child.stdin!.write(`${line}\n`);
    },
    /** The next line the process prints; rejects if it exits first. */
    next(): Promise<string> {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        void exited.then((code) =>
          reject(new Error(`scheduler process exited with ${code}: ${stderr.join('')}`)),
        );
      });
    },
    stop() {
      child.stdin!.end();
    },
  };
}

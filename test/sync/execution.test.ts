import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PagedProvider, startPagedProvider } from '../fakes/paged-provider.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { DATABASE_URL } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, scripted, syncConnectors, syncHarness } from '../helpers/sync.js';

const SECOND = 1000;

describe('sync execution: diffing, deletes, cursors, retries, cancel, logs', () => {
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
      env: {
        ...SYNC_TEST_ENV,
        SWITCHBOARD_SYNC_RETRY_BASE_MS: '10000',
        SWITCHBOARD_SYNC_MAX_RETRIES: '2',
      },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  beforeEach(async () => {
    await provider?.close();
    provider = await startPagedProvider({ total: 250, token: 'tok' });
  });
  afterAll(async () => {
    await provider.close();
    await t.close();
  });

  const paged = () => h.connected('paged-fake', { base_url: provider.url, api_token: 'tok' });

  /** Waits for the run to be back in pending after its `retry`-th failed attempt. */
  const retrying = (id: string, runId: string, retry: number) =>
    vi.waitFor(
      async () => {
        const run = await h.run(id, runId);
        if (run.status !== 'pending' || run.retry_count !== retry) throw new Error(`run is ${run.status}`);
        return run;
      },
      { timeout: 10_000, interval: 5 },
    );

  /** Moves the fake clock past a pending run's backoff and ticks, so the reaper dispatches it. */
  async function afterBackoff(id: string, runId: string) {
    const run = await h.run(id, runId);
    expect(run.status).toBe('pending');
    clock.advance(Date.parse(run.next_attempt_at as string) - clock.now().getTime());
    await t.worker?.tick();
  }

  it('creates, updates and leaves unchanged records by content hash; a full sync detects deletes', async () => {
    const id = await paged();
    const first = await h.settled(id, await h.trigger(id));
    expect(first.stats).toMatchObject({
      items_synced: 250,
      items_created: 250,
      items_updated: 0,
      items_deleted: 0,
    });
    expect(first.stats.bytes_transferred).toBeGreaterThan(0);

    provider.touch(3);
    provider.touch(120);
    provider.total = 240;
    const full = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(full.status).toBe('completed');
    expect(full.stats).toMatchObject({
      items_synced: 240,
      items_created: 0,
      items_updated: 2,
      items_deleted: 10,
    });
    const rows = await h.records(id);
    expect(rows).toHaveLength(250);
    const deleted = rows.filter((r) => r.deleted_at !== null).map((r) => r.external_id);
    expect(deleted.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `item-${240 + i}`).sort());
    expect(rows.find((r) => r.external_id === 'item-3')?.data).toMatchObject({ revision: 1 });

    // A deleted record that comes back is updated (undeleted), not created twice.
    provider.total = 241;
    const back = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(back.stats).toMatchObject({ items_created: 0, items_updated: 1, items_deleted: 0 });
    expect((await h.records(id)).filter((r) => r.deleted_at !== null)).toHaveLength(9);
  });

  it.skipIf(!DATABASE_URL)(
    'refreshes the records table statistics on PostgreSQL while a large first sync grows it',
    async () => {
      const analyzed = async () => {
        const { rows } = await sql<{ at: string | null }>`
          select coalesce(last_analyze, last_autoanalyze)::text as at from pg_stat_user_tables
          where relid = 'sync_records'::regclass`.execute(t.ctx.database.db);
        return rows[0]?.at ?? null;
      };
      const before = await analyzed();
      provider.total = 2_500;
      const id = await paged();
      const run = await h.settled(id, await h.trigger(id));
      expect(run.stats.items_created).toBe(2_500);
      const after = await analyzed();
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
    },
  );

  it('resumes an incremental sync from the saved cursor', async () => {
    const id = await paged();
    await h.settled(id, await h.trigger(id));
    const cursor = await t.ctx.database.db
      .selectFrom('sync_cursors')
      .selectAll()
      .where('connection_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(cursor).toMatchObject({ entity: 'items', cursor: '3' });
    provider.total = 320;
    const before = provider.requests.length;
    const next = await h.settled(id, await h.trigger(id));
    // Pages 3 and 4 only: the first two were not fetched again. Page 3's first 50 are unchanged.
    expect(provider.requests.slice(before).map((r) => r.page)).toEqual([3, 4]);
    expect(next.stats).toMatchObject({ items_created: 70, items_updated: 0, items_synced: 120 });
    expect(await h.records(id)).toHaveLength(320);
  });

  it('retries a 5xx as new attempts of the same run with exponential backoff, resuming where it stopped', async () => {
    const id = await paged();
    const held = provider.hold(2);
    const runId = await h.trigger(id);
    await held;
    provider.failNext({ status: 503 });
    const failedAt = clock.now().getTime();
    provider.release();
    // Page 2 answered; page 3 hit the 503.
    const waiting = await retrying(id, runId, 1);
    expect(waiting.error_message).toContain('HTTP 503');
    const delay = Date.parse(waiting.next_attempt_at as string) - failedAt;
    // First retry: between half and all of the 10 s base.
    expect(delay).toBeGreaterThanOrEqual(5 * SECOND);
    expect(delay).toBeLessThanOrEqual(10 * SECOND);
    expect((await h.connection(id)).status).toBe('connected');

    // Not before its time.
    await t.worker?.tick();
    expect((await h.run(id, runId)).status).toBe('pending');
    const before = provider.requests.length;
    await afterBackoff(id, runId);
    const done = await h.settled(id, runId);
    expect(done.status).toBe('completed');
    expect(done.retry_count).toBe(1);
    expect(done.stats.items_created).toBe(250);
    // The retry resumed at page 3 (the cursor saved after page 2 was committed).
    expect(provider.requests[before]?.page).toBe(3);
  });

  it("honours the provider's Retry-After on 429, and fails after max_retries", async () => {
    const id = await paged();
    provider.failNext({ status: 429, headers: { 'retry-after': '120' } });
    const runId = await h.trigger(id);
    const waiting = await retrying(id, runId, 1);
    const delay = Date.parse(waiting.next_attempt_at as string) - clock.now().getTime();
    expect(delay).toBe(120 * SECOND);

    // Two more failures use up max_retries = 2: the run fails, transient, after 3 attempts.
    provider.failNext({ status: 502 }, { status: 502 });
    await afterBackoff(id, runId);
    const second = await retrying(id, runId, 2);
    // The second retry's backoff doubles: between half and all of 20 s.
    const secondDelay = Date.parse(second.next_attempt_at as string) - clock.now().getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(10 * SECOND);
    expect(secondDelay).toBeLessThanOrEqual(20 * SECOND);
    await afterBackoff(id, runId);
    const failed = await h.settled(id, runId);
    expect(failed).toMatchObject({
      status: 'failed',
      retry_count: 2,
      max_retries: 2,
      error_class: 'transient',
    });
    const connection = await h.connection(id);
    expect(connection).toMatchObject({
      status: 'connected',
      last_sync_status: 'failed',
      failed_runs: 1,
      consecutive_failures: 1,
      health: 'degraded',
    });
  });

  it('does not retry an authentication failure and puts the connection in error', async () => {
    const id = await paged();
    provider.failNext({ status: 401, body: '{"error":"token revoked"}' });
    const failed = await h.settled(id, await h.trigger(id));
    expect(failed).toMatchObject({ status: 'failed', retry_count: 0, error_class: 'authentication' });
    expect(await h.connection(id)).toMatchObject({ status: 'error', last_sync_status: 'failed' });
  });

  it('ends partial with failed_items when single records fail', async () => {
    const id = await h.connected('demo', {
      api_token: 'x',
      users: 200,
      groups: 0,
      repositories: 0,
      item_failure_rate: 0.05,
    });
    const run = await h.settled(id, await h.trigger(id));
    expect(run.status).toBe('partial');
    const failedItems = (run.error_details as { failed_items: { item: string; error: string }[] })
      .failed_items;
    expect(run.stats.items_failed).toBeGreaterThan(0);
    expect(failedItems).toHaveLength(run.stats.items_failed);
    expect(failedItems[0]).toEqual({
      item: expect.stringMatching(/^users:usr_/),
      error: 'Missing required field: department',
    });
    expect(run.stats.items_synced + run.stats.items_failed).toBe(200);
    expect(run.error_message).toBe(`Partial sync: ${run.stats.items_failed} items failed during processing`);
    // Each failure is in the log with its item_ref.
    const logs = await h.call(
      'GET',
      `/integration-connections/${id}/runs/${run.id}/logs?level=error&per_page=200`,
    );
    expect(logs.json().pagination.total).toBe(run.stats.items_failed);
    expect(logs.json().data.map((l: { item_ref: string }) => l.item_ref)).toEqual(
      failedItems.map((f) => f.item),
    );
    expect((await h.connection(id)).last_sync_status).toBe('partial');
  });

  it('reports only the log lines and failed items that were stored when storing a batch fails', async () => {
    const failing = (item: string) => [{ item, error: `bad ${item}` }];
    scripted.batches = [
      { entity: 'items', records: [{ id: 'a', data: { n: 1 } }], failed: failing('items:x'), cursor: '1' },
      // A value no JSON can hold: storing this batch fails, on either database.
      {
        entity: 'items',
        records: [{ id: 'b', data: { n: 2 } }],
        failed: failing('items:y'),
        evidence: [{ kind: 'snapshot', summary: 'big', data: { n: 2n } }],
        cursor: '2',
      },
      { entity: 'items', records: [{ id: 'c', data: { n: 3 } }], failed: failing('items:z'), cursor: '3' },
    ];
    const id = await h.connected('scripted', {});
    const run = await h.settled(id, await h.trigger(id));
    expect(run).toMatchObject({ status: 'failed', error_class: 'permanent', retry_count: 0 });
    expect(run.error_message).toMatch(/^Storing the synced records failed: .*BigInt/);
    expect(run.stats).toMatchObject({ items_synced: 1, items_created: 1, items_failed: 1 });
    expect(run.error_details).toEqual({ failed_items: [{ item: 'items:x', error: 'bad items:x' }] });
    const logs = (
      await h.call('GET', `/integration-connections/${id}/runs/${run.id}/logs?per_page=200`)
    ).json();
    const stored = { debug: 0, info: 0, warn: 0, error: 0 };
    for (const line of logs.data as { level: keyof typeof stored; item_ref: string | null }[])
      stored[line.level] += 1;
    expect(run.log_counts).toEqual(stored);
    expect(
      logs.data
        .filter((l: { item_ref: string | null }) => l.item_ref)
        .map((l: { item_ref: string }) => l.item_ref),
    ).toEqual(['items:x']);
    expect((await h.records(id)).map((r) => r.external_id)).toEqual(['a']);
  });

  it('cancels a long sync promptly: the connector stops, what was written stays, a second cancel is 409', async () => {
    const id = await paged();
    const held = provider.hold(2);
    const runId = await h.trigger(id);
    await held;
    // Stats show while the run is running: page 1 is committed.
    await vi.waitFor(async () => expect((await h.run(id, runId)).stats.items_synced).toBe(100), {
      timeout: 5000,
      interval: 5,
    });
    expect((await h.run(id, runId)).status).toBe('running');
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({
      id: runId,
      status: 'cancelled',
      message: 'Sync cancelled. Partial data from this run may remain.',
    });
    // The executor gave up its slot without waiting for the held page.
    await vi.waitFor(() => expect(t.worker?.activeRuns).toBe(0), { timeout: 5000, interval: 5 });
    provider.release();
    const run = await h.run(id, runId);
    expect(run.status).toBe('cancelled');
    expect(await h.records(id)).toHaveLength(100);
    expect((await h.connection(id)).status).toBe('connected');
    const again = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('RUN_ALREADY_FINISHED');
    // The connection is free for the next run.
    expect((await h.settled(id, await h.trigger(id))).status).toBe('completed');
  });

  it('lists runs with filters, sorts and paging; logs filter by level and search, and page', async () => {
    const id = await h.connected('demo', { api_token: 'x', users: 10, groups: 1, repositories: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(SECOND);
      const runId = await h.trigger(id, { full_sync: i === 2 });
      await h.settled(id, runId);
      ids.push(runId);
    }
    const list = await h.call('GET', `/integration-connections/${id}/runs?per_page=2`);
    expect(list.json().pagination).toEqual({ page: 1, per_page: 2, total: 3, total_pages: 2 });
    expect(list.json().data.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    // Start times and durations in an order of their own, so that a sort the list ignored shows.
    const { db } = t.ctx.database;
    for (const [i, runId] of ids.entries()) {
      await db
        .updateTable('sync_runs')
        .set({ started_at: new Date(Date.UTC(2030, 0, 10 - i)).toISOString(), duration_ms: [30, 10, 20][i]! })
        .where('id', '=', runId)
        .execute();
    }
    const order = async (query: string) =>
      (await h.call('GET', `/integration-connections/${id}/runs?${query}`))
        .json()
        .data.map((r: { id: string }) => r.id);
    expect(await order('sort=started_at&order=asc')).toEqual([ids[2], ids[1], ids[0]]);
    expect(await order('sort=started_at')).toEqual(ids);
    expect(await order('sort=duration_ms&order=asc')).toEqual([ids[1], ids[2], ids[0]]);
    expect(await order('sort=created_at&order=asc')).toEqual(ids);
    const manual = await h.call('GET', `/integration-connections/${id}/runs?trigger=manual&status=completed`);
    expect(manual.json().pagination.total).toBe(3);
    const none = await h.call('GET', `/integration-connections/${id}/runs?trigger=scheduled`);
    expect(none.json().pagination.total).toBe(0);
    expect((await h.call('GET', `/integration-connections/${id}/runs?sort=name`)).statusCode).toBe(400);
    expect((await h.call('GET', `/integration-connections/${id}/runs?status=done`)).statusCode).toBe(400);

    const logsUrl = `/integration-connections/${id}/runs/${ids[0]}/logs`;
    const all = (await h.call('GET', logsUrl)).json();
    expect(all.pagination.total).toBeGreaterThanOrEqual(2);
    expect(all.data[0]).toMatchObject({ level: 'info', source: 'engine', item_ref: null });
    expect(Object.keys(all.data[0]).sort()).toEqual([
      'created_at',
      'details',
      'id',
      'item_ref',
      'level',
      'message',
      'source',
    ]);
    const found = (await h.call('GET', `${logsUrl}?search=COMPLETED`)).json();
    expect(found.data).toHaveLength(1);
    expect(found.data[0].message).toMatch(/^Sync completed/);
    const paging = (await h.call('GET', `${logsUrl}?per_page=1&page=2`)).json();
    expect(paging.data[0].id).toBe(all.data[1].id);
    expect((await h.call('GET', `${logsUrl}?per_page=201`)).statusCode).toBe(400);
    expect((await h.call('GET', `${logsUrl}?level=fatal`)).statusCode).toBe(400);
  });

  it('refuses DELETE while a sync runs (409), then deletes the connection with its runs, logs, records and cursors', async () => {
    const id = await h.connected('demo', { api_token: 'x', users: 20, groups: 2, repositories: 3 });
    await h.settled(id, await h.trigger(id));
    const paging = await paged();
    const held = provider.hold(2);
    const runId = await h.trigger(paging);
    await held;
    expect((await h.call('DELETE', `/integration-connections/${paging}`)).statusCode).toBe(409);
    await h.call('POST', `/integration-connections/${paging}/runs/${runId}/cancel`);
    provider.release();

    const db = t.ctx.database.db;
    const count = async (table: 'sync_runs' | 'sync_records' | 'sync_cursors' | 'sync_evidence') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('connection_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const runIds = (
      await db.selectFrom('sync_runs').select('id').where('connection_id', '=', id).execute()
    ).map((r) => r.id);
    expect(await count('sync_records')).toBeGreaterThan(0);
    expect(await count('sync_evidence')).toBe(1);
    expect((await h.call('DELETE', `/integration-connections/${id}`)).statusCode).toBe(204);
    for (const table of ['sync_runs', 'sync_records', 'sync_cursors', 'sync_evidence'] as const) {
      expect(await count(table)).toBe(0);
    }
    const logs = await db.selectFrom('sync_run_logs').select('id').where('run_id', 'in', runIds).execute();
    expect(logs).toHaveLength(0);
  });

  it("hides another org's runs (404) and refuses roles without the permission (403)", async () => {
    const id = await h.connected('demo', { api_token: 'x', users: 1, groups: 0, repositories: 0 });
    const runId = await h.trigger(id);
    await h.settled(id, runId);
    const stranger = syncHarness(t, await seedUser(t));
    for (const url of [
      `/integration-connections/${id}/runs`,
      `/integration-connections/${id}/runs/${runId}`,
      `/integration-connections/${id}/runs/${runId}/logs`,
    ]) {
      expect((await stranger.call('GET', url)).statusCode).toBe(404);
    }
    expect((await stranger.call('POST', `/integration-connections/${id}/sync`)).statusCode).toBe(404);
    expect(
      (await stranger.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`)).statusCode,
    ).toBe(404);
    // The run's id under a connection it does not belong to: the stranger's own, or another of the org's.
    const theirs = await stranger.connected('demo', { api_token: 'x', users: 1, groups: 0, repositories: 0 });
    const sibling = await h.connected('demo', { api_token: 'x', users: 1, groups: 0, repositories: 0 });
    for (const [who, connectionId] of [
      [stranger, theirs],
      [h, sibling],
    ] as const) {
      for (const url of [
        `/integration-connections/${connectionId}/runs/${runId}`,
        `/integration-connections/${connectionId}/runs/${runId}/logs`,
      ]) {
        const res = await who.call('GET', url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code).toBe('RUN_NOT_FOUND');
      }
      const cancel = await who.call('POST', `/integration-connections/${connectionId}/runs/${runId}/cancel`);
      expect(cancel.statusCode).toBe(404);
    }
    const viewer = syncHarness(t, await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' }));
    expect((await viewer.call('GET', `/integration-connections/${id}/runs/${runId}`)).statusCode).toBe(200);
    expect((await viewer.call('POST', `/integration-connections/${id}/sync`)).statusCode).toBe(403);
    expect(
      (await viewer.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`)).statusCode,
    ).toBe(403);
  });
});

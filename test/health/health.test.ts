import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HealthService } from '../../src/modules/health/service.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const REPORT_FIELDS = [
  'connection_id',
  'connection_name',
  'integration_name',
  'status',
  'health',
  'last_health_check_at',
  'last_health_error',
  'consecutive_failures',
  'health_check_interval_mins',
  'next_health_check_at',
  'sync_state',
  'recent_runs',
  'uptime',
];

const CHECK_FIELDS = ['connection_id', 'health', 'check_result', 'response_time_ms', 'message', 'checked_at'];

let counter = 0;

/** Calls and fixtures over one app: connections of the demo connector in a given state. */
function harness(get: () => TestApp) {
  const db = () => get().ctx.database.db;
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, as: SeededUser, payload?: object) =>
    get().app.inject({ method, url: `/api/v1${url}`, headers: as.auth, ...(payload ? { payload } : {}) });
  const row = (id: string) =>
    db().selectFrom('integration_connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A connection as created: pending_setup, never scheduled. */
  async function created(as: SeededUser, config: Record<string, unknown> = {}) {
    const definition = await db()
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', 'demo')
      .executeTakeFirstOrThrow();
    const res = await call('POST', '/integration-connections', as, {
      definition_id: definition.id,
      name: `Health ${process.pid}-${++counter}`,
      config: { api_token: `token-${counter}`, ...config },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id as string;
  }

  /** A connection tested and enabled: connected, with its health checks scheduled. */
  async function connected(as: SeededUser) {
    const id = await created(as);
    expect((await call('POST', `/integration-connections/${id}/test`, as)).statusCode).toBe(200);
    expect((await call('POST', `/integration-connections/${id}/enable`, as)).statusCode).toBe(200);
    return id;
  }

  /** Makes the demo provider reject (or accept again) the connection's token. */
  async function failAuth(id: string, as: SeededUser, fail: boolean) {
    const res = await call('PUT', `/integration-connections/${id}`, as, { config: { fail_auth: fail } });
    expect(res.statusCode, res.body).toBe(200);
  }

  const healthCheck = (id: string, as: SeededUser) =>
    call('POST', `/integration-connections/${id}/health-check`, as);

  /** A fresh access token: the fake clock moves past the token lifetime. */
  async function login(...users: SeededUser[]) {
    for (const user of users) {
      const tokens = await get().app.services.sessions.start(user.id, user.orgId);
      user.auth = { authorization: `Bearer ${tokens.access_token}` };
    }
  }

  return { db, call, row, created, connected, failAuth, healthCheck, login };
}

describe('connection health', () => {
  const clock = new FakeClock('2026-11-22T12:00:00.000Z');
  let t: TestApp;
  let admin: SeededUser;
  let viewer: SeededUser;
  let auditor: SeededUser;
  let outsider: SeededUser;
  const h = harness(() => t);

  beforeAll(async () => {
    t = await testApp({ clock, env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    admin = await seedUser(t, { name: 'Alice Admin' });
    viewer = await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' });
    auditor = await seedUser(t, { orgId: admin.orgId, role: 'auditor' });
    outsider = await seedUser(t);
  });
  beforeEach(() => h.login(admin, viewer, auditor, outsider));
  afterAll(async () => {
    await t?.close();
  });

  describe('POST /integration-connections/:id/health-check', () => {
    it('passes: resets consecutive_failures, reads healthy, schedules the next check, audits', async () => {
      const id = await h.connected(admin);
      await h
        .db()
        .updateTable('integration_connections')
        .set({ consecutive_failures: 2, health: 'degraded', last_health_error: 'earlier failure' })
        .where('id', '=', id)
        .execute();
      clock.advance(5 * MINUTE);
      const now = clock.now();

      const res = await h.healthCheck(id, admin);
      expect(res.statusCode, res.body).toBe(200);
      const data = res.json().data;
      expect(Object.keys(data).sort()).toEqual([...CHECK_FIELDS].sort());
      expect(data).toMatchObject({
        connection_id: id,
        health: 'healthy',
        check_result: 'success',
        message: 'Health check passed. Demo API responding normally.',
        checked_at: now.toISOString(),
      });
      expect(Number.isInteger(data.response_time_ms)).toBe(true);
      expect(data.response_time_ms).toBeGreaterThanOrEqual(0);

      const stored = await h.row(id);
      expect(stored).toMatchObject({
        health: 'healthy',
        consecutive_failures: 0,
        last_health_error: null,
        last_health_check_at: now.toISOString(),
        next_health_check_at: new Date(now.getTime() + 60 * MINUTE).toISOString(),
        status: 'connected',
      });
      const audit = await h
        .db()
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'changed_fields'])
        .where('target_id', '=', id)
        .where('action', '=', 'connection.health_checked')
        .execute();
      expect(audit).toEqual([
        {
          action: 'connection.health_checked',
          actor_id: admin.id,
          changed_fields: [
            'last_health_check_at',
            'last_health_error',
            'consecutive_failures',
            'health',
            'next_health_check_at',
          ],
        },
      ]);
    });

    it('fails: each failure counts, degraded at 1–2, unhealthy from 3; a pass heals it', async () => {
      const id = await h.connected(admin);
      await h.failAuth(id, admin, true);
      const seen: [string, string, number, string | null][] = [];
      for (let i = 0; i < 4; i++) {
        clock.advance(MINUTE);
        const res = await h.healthCheck(id, admin);
        expect(res.statusCode, res.body).toBe(200);
        const data = res.json().data;
        const stored = await h.row(id);
        expect(stored.last_health_check_at).toBe(clock.now().toISOString());
        expect(stored.health).toBe(data.health);
        seen.push([data.check_result, data.health, stored.consecutive_failures, stored.last_health_error]);
        expect(data.message).toMatch(/^Authentication failed: Invalid API token/);
        expect(stored.last_health_error).toBe(data.message);
      }
      expect(seen.map(([result, health, failures]) => [result, health, failures])).toEqual([
        ['failure', 'degraded', 1],
        ['failure', 'degraded', 2],
        ['failure', 'unhealthy', 3],
        ['failure', 'unhealthy', 4],
      ]);
      // A failing health check reports; it does not change the lifecycle status.
      expect((await h.row(id)).status).toBe('connected');

      await h.failAuth(id, admin, false);
      const healed = await h.healthCheck(id, admin);
      expect(healed.json().data).toMatchObject({ check_result: 'success', health: 'healthy' });
      expect(await h.row(id)).toMatchObject({ consecutive_failures: 0, last_health_error: null });
    });

    it('does not schedule checks for a connection that is not enabled', async () => {
      const id = await h.created(admin);
      const res = await h.healthCheck(id, admin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data.health).toBe('healthy');
      expect(await h.row(id)).toMatchObject({
        status: 'pending_setup',
        health: 'healthy',
        last_health_check_at: clock.now().toISOString(),
        next_health_check_at: null,
      });
    });

    it("answers 404 for another org's connection and an unknown id, and changes nothing", async () => {
      const id = await h.connected(admin);
      const before = await h.row(id);
      const foreign = await h.healthCheck(id, outsider);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.code).toBe('CONNECTION_NOT_FOUND');
      expect((await h.healthCheck(newId(), admin)).statusCode).toBe(404);
      expect(await h.row(id)).toEqual(before);
    });

    it('answers 422 CONNECTION_DISABLED for a disabled connection', async () => {
      const id = await h.connected(admin);
      expect((await h.call('POST', `/integration-connections/${id}/disable`, admin, {})).statusCode).toBe(
        200,
      );
      const before = await h.row(id);
      const res = await h.healthCheck(id, admin);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('CONNECTION_DISABLED');
      expect(await h.row(id)).toEqual(before);
    });

    it('answers 403 to a role without sync:trigger, which may still read the report', async () => {
      const id = await h.connected(admin);
      const before = await h.row(id);
      const res = await h.healthCheck(id, viewer);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
      expect(await h.row(id)).toEqual(before);
      expect((await h.call('GET', `/integration-connections/${id}/health`, viewer)).statusCode).toBe(200);
      expect((await h.call('GET', `/integration-connections/${id}/health`, auditor)).statusCode).toBe(403);
    });
  });

  describe('GET /integration-connections/:id/health', () => {
    /** Inserts a run of the connection; `at` is its creation, and its end when it finished. */
    async function run(
      connectionId: string,
      status: string,
      at: Date,
      options: { finished?: boolean; durationMs?: number } = {},
    ) {
      const finished = options.finished ?? !['pending', 'running'].includes(status);
      const durationMs = options.durationMs ?? 1000;
      const id = newId();
      const iso = at.toISOString();
      await h
        .db()
        .insertInto('sync_runs')
        .values({
          id,
          org_id: admin.orgId,
          connection_id: connectionId,
          trigger: 'scheduled',
          triggered_by: null,
          triggered_by_name: null,
          status,
          full_sync: false,
          scheduled_for: null,
          queued_at: iso,
          not_before: null,
          started_at: status === 'pending' ? null : iso,
          completed_at: finished ? new Date(at.getTime() + durationMs).toISOString() : null,
          duration_ms: finished ? durationMs : null,
          stats: {},
          error_message: null,
          error_class: null,
          error_details: null,
          retry_count: 0,
          max_retries: 3,
          config_snapshot: {},
          log_counts: {},
          lease_owner: null,
          lease_expires_at: null,
          cancel_requested_at: null,
          created_at: iso,
          updated_at: iso,
        })
        .execute();
      return id;
    }

    const ago = (ms: number) => new Date(clock.now().getTime() - ms);
    const report = async (id: string, as = admin) => {
      const res = await h.call('GET', `/integration-connections/${id}/health`, as);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data;
    };

    it('answers the spec shape: check state, sync state and the five latest runs', async () => {
      const id = await h.connected(admin);
      await h.healthCheck(id, admin);
      const stored = await h.row(id);
      await h
        .db()
        .updateTable('integration_connections')
        .set({ last_sync_at: ago(HOUR).toISOString(), last_sync_status: 'completed' })
        .where('id', '=', id)
        .execute();
      const runs: string[] = [];
      for (let i = 6; i >= 1; i--) runs.push(await run(id, i === 1 ? 'failed' : 'completed', ago(i * HOUR)));

      const data = await report(id);
      expect(Object.keys(data).sort()).toEqual([...REPORT_FIELDS].sort());
      expect(data).toMatchObject({
        connection_id: id,
        connection_name: stored.name,
        integration_name: 'Demo',
        status: 'connected',
        health: 'healthy',
        last_health_check_at: clock.now().toISOString(),
        last_health_error: null,
        consecutive_failures: 0,
        health_check_interval_mins: 60,
        next_health_check_at: new Date(clock.now().getTime() + HOUR).toISOString(),
      });
      expect(data.sync_state).toEqual({
        sync_enabled: true,
        last_sync_at: ago(HOUR).toISOString(),
        last_sync_status: 'completed',
        next_sync_at: stored.next_sync_at,
      });
      expect(stored.next_sync_at).not.toBeNull();
      // Newest first, the oldest of the six left out.
      expect(data.recent_runs).toEqual(
        runs
          .slice(1)
          .reverse()
          .map((runId, i) => ({
            id: runId,
            status: i === 0 ? 'failed' : 'completed',
            started_at: ago((i + 1) * HOUR).toISOString(),
            duration_ms: 1000,
          })),
      );
    });

    it('computes uptime over 24 h, 7 d and 30 d from finished runs only', async () => {
      const id = await h.connected(admin);
      const other = await h.connected(admin);
      // Last 24 h: 3 completed, 1 failed → 75 %; cancelled and unfinished runs do not count.
      for (const at of [1, 2, 3]) await run(id, 'completed', ago(at * HOUR));
      await run(id, 'failed', ago(4 * HOUR));
      await run(id, 'cancelled', ago(5 * HOUR));
      await run(id, 'running', ago(10 * MINUTE));
      // 1–7 days ago: 2 partial (successful), 2 failed → 7 d: 5 of 8 = 62.5 %.
      await run(id, 'partial', ago(2 * DAY));
      await run(id, 'partial', ago(3 * DAY));
      await run(id, 'failed', ago(4 * DAY));
      await run(id, 'failed', ago(6 * DAY));
      // 7–30 days ago: 2 completed → 30 d: 7 of 10 = 70 %.
      await run(id, 'completed', ago(10 * DAY));
      await run(id, 'completed', ago(29 * DAY));
      await run(id, 'cancelled', ago(20 * DAY));
      // Older than 30 days, and another connection's runs: outside every window.
      await run(id, 'failed', ago(31 * DAY));
      await run(id, 'failed', ago(40 * DAY));
      await run(other, 'failed', ago(HOUR));

      expect((await report(id)).uptime).toEqual({
        last_24h_success_rate: 75,
        last_7d_success_rate: 62.5,
        last_30d_success_rate: 70,
      });
      expect((await report(other)).uptime).toEqual({
        last_24h_success_rate: 0,
        last_7d_success_rate: 0,
        last_30d_success_rate: 0,
      });
    });

    it('rounds to one decimal and is null for a window no run finished in', async () => {
      const id = await h.connected(admin);
      expect((await report(id)).uptime).toEqual({
        last_24h_success_rate: null,
        last_7d_success_rate: null,
        last_30d_success_rate: null,
      });
      // Two successes and a failure ten days ago: 66.7 % over 30 d, nothing in the shorter windows.
      await run(id, 'completed', ago(10 * DAY));
      await run(id, 'completed', ago(11 * DAY));
      await run(id, 'failed', ago(12 * DAY));
      await run(id, 'cancelled', ago(2 * HOUR));
      expect((await report(id)).uptime).toEqual({
        last_24h_success_rate: null,
        last_7d_success_rate: null,
        last_30d_success_rate: 66.7,
      });
    });

    it("answers 404 for another org's connection", async () => {
      const id = await h.connected(admin);
      const res = await h.call('GET', `/integration-connections/${id}/health`, outsider);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('CONNECTION_NOT_FOUND');
    });
  });
});

describe('health thresholds from config', () => {
  let t: TestApp;
  let admin: SeededUser;
  const h = harness(() => t);

  beforeAll(async () => {
    t = await testApp({
      clock: new FakeClock(),
      env: {
        SWITCHBOARD_RATE_LIMITS: 'false',
        SWITCHBOARD_HEALTH_DEGRADED_AT: '2',
        SWITCHBOARD_HEALTH_UNHEALTHY_AT: '4',
      },
    });
    admin = await seedUser(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reads degraded and unhealthy at the configured failure counts', async () => {
    const id = await h.connected(admin);
    await h.failAuth(id, admin, true);
    const healths: string[] = [];
    for (let i = 0; i < 4; i++) healths.push((await h.healthCheck(id, admin)).json().data.health);
    expect(healths).toEqual(['healthy', 'degraded', 'degraded', 'unhealthy']);
    expect(await h.row(id)).toMatchObject({ consecutive_failures: 4, health: 'unhealthy' });
  });
});

describe('scheduled health checks (runDue)', () => {
  const clock = new FakeClock('2026-11-22T12:00:00.000Z');
  let t: TestApp;
  let admin: SeededUser;
  let health: HealthService;
  const h = harness(() => t);

  beforeAll(async () => {
    t = await testApp({ clock, env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    admin = await seedUser(t);
    health = t.app.services.health;
  });
  beforeEach(() => h.login(admin));
  afterAll(async () => {
    await t?.close();
  });

  it('runs a due check once and moves the next one an interval on', async () => {
    const id = await h.connected(admin);
    const enabledAt = clock.now().getTime();
    expect((await h.row(id)).next_health_check_at).toBe(new Date(enabledAt + HOUR).toISOString());
    expect(await health.runDue(clock.now())).toBe(0);

    clock.advance(HOUR + MINUTE);
    await h.login(admin);
    const now = clock.now();
    expect(await health.runDue(now)).toBe(1);
    expect(await h.row(id)).toMatchObject({
      health: 'healthy',
      consecutive_failures: 0,
      last_health_check_at: now.toISOString(),
      next_health_check_at: new Date(now.getTime() + HOUR).toISOString(),
    });
    // Done for this slot, and no audit entry: no one asked for it.
    expect(await health.runDue(now)).toBe(0);
    const audits = await h
      .db()
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', id)
      .where('action', '=', 'connection.health_checked')
      .execute();
    expect(audits).toEqual([]);
  });

  it('records and logs a failing scheduled check', async () => {
    const id = await h.connected(admin);
    await h.failAuth(id, admin, true);
    clock.advance(HOUR + MINUTE);
    await h.login(admin);
    expect(await health.runDue(clock.now())).toBeGreaterThanOrEqual(1);
    const stored = await h.row(id);
    expect(stored).toMatchObject({ health: 'degraded', consecutive_failures: 1 });
    expect(stored.last_health_error).toMatch(/^Authentication failed/);
    expect(t.logs.lines).toContainEqual(
      expect.objectContaining({
        msg: 'scheduled health check failed',
        connection_id: id,
        health: 'degraded',
      }),
    );
    await h.failAuth(id, admin, false);
  });

  it('checks each due slot exactly once when two schedulers tick together', async () => {
    // Failing connections: a second check of the same slot would show as a second failure.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await h.connected(admin);
      await h.failAuth(id, admin, true);
      ids.push(id);
    }
    clock.advance(HOUR + MINUTE);
    await h.login(admin);
    const now = clock.now();
    const due = await h
      .db()
      .selectFrom('integration_connections')
      .select('id')
      .where('next_health_check_at', '<=', now.toISOString())
      .execute();
    const [a, b] = await Promise.all([health.runDue(now), health.runDue(now)]);
    expect(a + b).toBe(due.length);
    for (const id of ids) {
      expect(await h.row(id)).toMatchObject({
        consecutive_failures: 1,
        last_health_check_at: now.toISOString(),
        next_health_check_at: new Date(now.getTime() + HOUR).toISOString(),
      });
    }
    expect(await health.runDue(now)).toBe(0);
  });

  it('skips disabled and never-enabled connections, and runs at most `limit`', async () => {
    const disabled = await h.connected(admin);
    await h.call('POST', `/integration-connections/${disabled}/disable`, admin, {});
    const pending = await h.created(admin);
    const past = new Date(clock.now().getTime() - MINUTE).toISOString();
    // Slots left behind on connections that must not be checked.
    await h
      .db()
      .updateTable('integration_connections')
      .set({ next_health_check_at: past })
      .where('id', 'in', [disabled, pending])
      .execute();
    const a = await h.connected(admin);
    const b = await h.connected(admin);
    clock.advance(HOUR + MINUTE);
    await h.login(admin);
    const now = clock.now();
    const dueCount = (
      await h
        .db()
        .selectFrom('integration_connections')
        .select('id')
        .where('next_health_check_at', '<=', now.toISOString())
        .where('status', 'not in', ['disabled', 'pending_setup'])
        .execute()
    ).length;
    expect(dueCount).toBeGreaterThanOrEqual(2);
    expect(await health.runDue(now, 1)).toBe(1);
    expect(await health.runDue(now)).toBe(dueCount - 1);
    for (const id of [a, b]) expect((await h.row(id)).last_health_check_at).toBe(now.toISOString());
    for (const id of [disabled, pending]) {
      expect(await h.row(id)).toMatchObject({ last_health_check_at: null, next_health_check_at: past });
    }
  });
});

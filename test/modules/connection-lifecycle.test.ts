import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endRun,
  IllegalTransitionError,
  move,
  nextStatus,
  recordHealthCheck,
  STEPS,
  type Step,
} from '../../src/modules/connections/lifecycle.js';
import { CONNECTION_STATUSES, type ConnectionStatus } from '../../src/modules/connections/store.js';
import { statusOf } from '../../src/platform/http/error-response.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

type Outcome = ConnectionStatus | { refused: string };
const refused = (code: string) => ({ refused: code });
const S = CONNECTION_STATUSES;

/**
 * The lifecycle of ../shared/DESIGN.md, spelled out: for each step, where it takes each status,
 * or the API's answer when the status does not allow it.
 */
const EXPECTED: Record<Step, Record<ConnectionStatus, Outcome>> = {
  // A passing test moves pending_setup to configuring and leaves other statuses as they are.
  test_passed: {
    pending_setup: 'configuring',
    configuring: 'configuring',
    connected: 'connected',
    syncing: 'syncing',
    error: 'error',
    disabled: refused('CONNECTION_DISABLED'),
  },
  // A failing test sets error.
  test_failed: {
    pending_setup: 'error',
    configuring: 'error',
    connected: 'error',
    syncing: 'error',
    error: 'error',
    disabled: refused('CONNECTION_DISABLED'),
  },
  credentials_granted: {
    pending_setup: 'configuring',
    configuring: 'configuring',
    connected: 'connected',
    syncing: 'syncing',
    error: 'error',
    disabled: 'disabled',
  },
  // enable moves configuring | disabled | error to connected (and needs a passed test: 422).
  enabled: {
    pending_setup: refused('TEST_REQUIRED'),
    configuring: 'connected',
    connected: 'connected',
    syncing: 'syncing',
    error: 'connected',
    disabled: 'connected',
  },
  // disable → disabled, 409 while a run is active.
  disabled: {
    pending_setup: 'disabled',
    configuring: 'disabled',
    connected: 'disabled',
    syncing: refused('SYNC_IN_PROGRESS'),
    error: 'disabled',
    disabled: 'disabled',
  },
  disconnected: {
    pending_setup: 'pending_setup',
    configuring: 'pending_setup',
    connected: 'pending_setup',
    syncing: refused('SYNC_IN_PROGRESS'),
    error: 'pending_setup',
    disabled: 'pending_setup',
  },
  // While a run is active the status reads syncing and returns to connected when it ends.
  run_started: {
    pending_setup: 'pending_setup',
    configuring: 'configuring',
    connected: 'syncing',
    syncing: 'syncing',
    error: 'error',
    disabled: 'disabled',
  },
  run_ended: {
    pending_setup: 'pending_setup',
    configuring: 'configuring',
    connected: 'connected',
    syncing: 'connected',
    error: 'error',
    disabled: 'disabled',
  },
  run_failed_auth: {
    pending_setup: 'error',
    configuring: 'error',
    connected: 'error',
    syncing: 'error',
    error: 'error',
    disabled: 'disabled',
  },
  run_requeued: {
    pending_setup: 'pending_setup',
    configuring: 'configuring',
    connected: 'connected',
    syncing: 'connected',
    error: 'error',
    disabled: 'disabled',
  },
  credential_expired: {
    pending_setup: 'error',
    configuring: 'error',
    connected: 'error',
    syncing: 'error',
    error: 'error',
    disabled: 'disabled',
  },
};

function outcome(from: ConnectionStatus, step: Step): Outcome {
  try {
    return nextStatus(from, step);
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    expect(error.from).toBe(from);
    expect(error.step).toBe(step);
    expect(S).toContain(error.to);
    expect(error.details).toEqual({ from, to: error.to });
    return refused(error.code);
  }
}

describe('connection lifecycle: the state machine', () => {
  it('covers every step', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...STEPS].sort());
  });

  for (const step of STEPS) {
    it(`${step}: every status moves as the lifecycle says, or is refused with the API's answer`, () => {
      const actual = Object.fromEntries(S.map((from) => [from, outcome(from, step)]));
      expect(actual).toEqual(EXPECTED[step]);
    });
  }

  it('refuses with the status code the API always answered', () => {
    const answered = (from: ConnectionStatus, step: Step) => {
      try {
        nextStatus(from, step);
      } catch (error) {
        return error instanceof IllegalTransitionError ? statusOf(error.code) : undefined;
      }
      return undefined;
    };
    expect(answered('syncing', 'disabled')).toBe(409);
    expect(answered('syncing', 'disconnected')).toBe(409);
    expect(answered('disabled', 'test_passed')).toBe(422);
    expect(answered('pending_setup', 'enabled')).toBe(422);
  });
});

describe('connection lifecycle: writes and events', () => {
  const clock = new FakeClock('2026-11-22T12:00:00.000Z');
  let t: TestApp;
  let admin: SeededUser;
  const thresholds = { degradedAt: 1, unhealthyAt: 3 };

  beforeAll(async () => {
    t = await testApp({ connectors: syncConnectors, clock, env: SYNC_TEST_ENV });
    admin = await seedUser(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const db = () => t.ctx.database.db;
  const row = (id: string) =>
    db()
      .selectFrom('integration_connections')
      .select(['status', 'health', 'consecutive_failures', 'total_runs', 'successful_runs', 'failed_runs'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const eventsOf = async (id: string) =>
    (
      await db()
        .selectFrom('events')
        .select(['type', 'payload'])
        .where('subject_id', '=', id)
        .orderBy('seq')
        .execute()
    )
      .filter((e) => e.type === 'connection.status_changed' || e.type === 'connection.health_changed')
      .map((e) => [e.type, e.payload]);

  it('writes a step and its events in one transaction; a rollback takes both away', async () => {
    const id = await syncHarness(t, admin).connected('demo', { api_token: 'x', users: 1 });
    const before = await eventsOf(id);
    await expect(
      db()
        .transaction()
        .execute(async (tx) => {
          await move(tx, { id }, 'run_started', clock.now());
          throw new Error('rolled back');
        }),
    ).rejects.toThrow('rolled back');
    expect((await row(id)).status).toBe('connected');
    expect(await eventsOf(id)).toEqual(before);

    await db()
      .transaction()
      .execute((tx) => move(tx, { id }, 'run_started', clock.now()));
    expect((await row(id)).status).toBe('syncing');
    expect((await eventsOf(id)).slice(before.length)).toEqual([
      ['connection.status_changed', { from: 'connected', to: 'syncing' }],
    ]);
  });

  it('refuses an illegal step with a typed error and writes nothing', async () => {
    const id = await syncHarness(t, admin).connected('demo', { api_token: 'x', users: 1 });
    await db()
      .transaction()
      .execute((tx) => move(tx, { id }, 'run_started', clock.now()));
    const before = await eventsOf(id);
    const attempt = db()
      .transaction()
      .execute((tx) => move(tx, { id }, 'disabled', clock.now(), { set: { sync_enabled: false } }));
    await expect(attempt).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(attempt).rejects.toMatchObject({
      from: 'syncing',
      to: 'disabled',
      code: 'SYNC_IN_PROGRESS',
    });
    expect(await row(id)).toMatchObject({ status: 'syncing' });
    expect(await eventsOf(id)).toEqual(before);
  });

  it('counts runs, and moves health by the consecutive failures of runs and checks', async () => {
    const id = await syncHarness(t, admin).connected('demo', { api_token: 'x', users: 1 });
    const end = (counted: 'success' | 'failure' | 'none', authFailure = false) =>
      db()
        .transaction()
        .execute(async (tx) => {
          await move(tx, { id }, 'run_started', clock.now());
          return endRun(tx, id, { counted, authFailure }, thresholds, clock.now());
        });
    await end('failure');
    expect(await row(id)).toMatchObject({
      status: 'connected',
      health: 'degraded',
      consecutive_failures: 1,
      total_runs: 1,
      failed_runs: 1,
    });
    await end('none');
    expect(await row(id)).toMatchObject({ status: 'connected', consecutive_failures: 1, total_runs: 1 });
    const check = (passed: boolean) =>
      db()
        .transaction()
        .execute((tx) =>
          recordHealthCheck(
            tx,
            { id, intervalMins: 60 },
            { passed, error: passed ? null : 'down' },
            thresholds,
            clock.now(),
          ),
        );
    await check(false);
    const third = await end('failure', true);
    expect(third).toMatchObject({ status: 'error', health: 'unhealthy', consecutive_failures: 3 });
    expect(await row(id)).toMatchObject({
      status: 'error',
      total_runs: 2,
      failed_runs: 2,
      successful_runs: 0,
    });
    await check(true);
    expect(await row(id)).toMatchObject({ status: 'error', health: 'healthy', consecutive_failures: 0 });
    expect(await eventsOf(id)).toEqual([
      // test: pending_setup → configuring, unknown → healthy; enable: configuring → connected
      ['connection.status_changed', { from: 'pending_setup', to: 'configuring' }],
      ['connection.health_changed', { from: 'unknown', to: 'healthy' }],
      ['connection.status_changed', { from: 'configuring', to: 'connected' }],
      ['connection.status_changed', { from: 'connected', to: 'syncing' }],
      ['connection.status_changed', { from: 'syncing', to: 'connected' }],
      ['connection.health_changed', { from: 'healthy', to: 'degraded' }],
      ['connection.status_changed', { from: 'connected', to: 'syncing' }],
      ['connection.status_changed', { from: 'syncing', to: 'connected' }],
      ['connection.status_changed', { from: 'connected', to: 'syncing' }],
      ['connection.status_changed', { from: 'syncing', to: 'error' }],
      ['connection.health_changed', { from: 'degraded', to: 'unhealthy' }],
      ['connection.health_changed', { from: 'unhealthy', to: 'healthy' }],
    ]);
  });
});

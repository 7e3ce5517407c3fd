import type { Db } from '../../platform/db/database.js';
import { AppError, type ErrorCode } from '../../platform/errors.js';
import { recordEvent } from '../events/outbox.js';
import { type AuditNote, announceChange, type ConnectionEdit, concludeChange } from './change.js';
import { nextHealthCheckAt } from './schedule.js';
import {
  CONNECTION_STATUSES,
  type ConnectionStatus,
  type ConnectionUpdate,
  HEALTHS,
  type Health,
  type LifecycleState,
  lockLifecycleState,
  updateConnection,
} from './store.js';

/**
 * A connection's lifecycle (../shared/DESIGN.md, "Connection lifecycle"), written once: its status,
 * its health, its run counters and its consecutive failures change here and nowhere else, each
 * change with its events in the caller's transaction.
 *
 *   create → pending_setup ─test passed→ configuring ─enable→ connected ⇄ syncing (a run)
 *   a failed test → error; enable needs a test passed once and moves configuring | disabled | error
 *   to connected; disable → disabled (refused while a run is active, as is disconnect).
 */

/** Where every connection starts. */
export const INITIAL_STATE = {
  status: 'pending_setup',
  health: 'unknown',
} as const satisfies { status: ConnectionStatus; health: Health };

/** What happens to a connection. */
export const STEPS = [
  'test_passed',
  'test_failed',
  'credentials_granted',
  'enabled',
  'disabled',
  'disconnected',
  'run_started',
  'run_ended',
  'run_failed_auth',
  'run_requeued',
  'credential_expired',
] as const;
export type Step = (typeof STEPS)[number];

interface StepRule {
  /** The status the step leads to: what a refusal names as `to`. */
  target: ConnectionStatus;
  /** The statuses it moves, and where to; every other status it may happen in stays as it is. */
  moves: Partial<Record<ConnectionStatus, ConnectionStatus>>;
  /** The statuses it may not happen in, each with the API's answer. */
  refused?: Partial<Record<ConnectionStatus, ErrorCode>>;
  /** The health it sets; unset, health stays (or follows the failure count, for runs and checks). */
  health?: Health;
}

/** Each status but `except`, moved to `to`. */
function allBut(except: readonly ConnectionStatus[], to: ConnectionStatus) {
  return Object.fromEntries(CONNECTION_STATUSES.filter((s) => !except.includes(s)).map((s) => [s, to]));
}

const RULES: Record<Step, StepRule> = {
  // Credentials proven: setup moves on, other statuses stay as they are.
  test_passed: {
    target: 'configuring',
    moves: { pending_setup: 'configuring' },
    refused: { disabled: 'CONNECTION_DISABLED' },
    health: 'healthy',
  },
  test_failed: {
    target: 'error',
    moves: allBut(['disabled', 'error'], 'error'),
    refused: { disabled: 'CONNECTION_DISABLED' },
    health: 'unhealthy',
  },
  // An OAuth grant stored: the same as a passing test for setup, without proving the health.
  credentials_granted: { target: 'configuring', moves: { pending_setup: 'configuring' } },
  enabled: {
    target: 'connected',
    moves: { configuring: 'connected', disabled: 'connected', error: 'connected' },
    refused: { pending_setup: 'TEST_REQUIRED' },
  },
  disabled: {
    target: 'disabled',
    moves: allBut(['disabled', 'syncing'], 'disabled'),
    refused: { syncing: 'SYNC_IN_PROGRESS' },
  },
  // Credentials deleted: back to setup, health unknown until tested again.
  disconnected: {
    target: 'pending_setup',
    moves: allBut(['pending_setup', 'syncing'], 'pending_setup'),
    refused: { syncing: 'SYNC_IN_PROGRESS' },
    health: 'unknown',
  },
  // A run claimed for a connection in another status still runs; the status keeps saying why.
  run_started: { target: 'syncing', moves: { connected: 'syncing' } },
  run_ended: { target: 'connected', moves: { syncing: 'connected' } },
  // A disabled connection stays disabled: enabling it again is a person's decision.
  run_failed_auth: { target: 'error', moves: allBut(['disabled', 'error'], 'error') },
  run_requeued: { target: 'connected', moves: { syncing: 'connected' } },
  credential_expired: {
    target: 'error',
    moves: allBut(['disabled', 'error'], 'error'),
    health: 'unhealthy',
  },
};

/** A step the connection's status does not allow, answered as the API always has (409 or 422). */
export class IllegalTransitionError extends AppError {
  constructor(
    readonly from: ConnectionStatus,
    readonly to: ConnectionStatus,
    readonly step: Step,
    code: ErrorCode,
  ) {
    super(code, undefined, { from, to });
    this.name = 'IllegalTransitionError';
  }
}

export function isConnectionStatus(value: string): value is ConnectionStatus {
  return (CONNECTION_STATUSES as readonly string[]).includes(value);
}

function statusOf(value: string): ConnectionStatus {
  if (!isConnectionStatus(value)) throw new Error(`unknown connection status "${value}"`);
  return value;
}

function healthOf(value: string): Health {
  return HEALTHS.find((h) => h === value) ?? 'unknown';
}

/** The status `step` leads to from `from`; throws IllegalTransitionError where it is refused. */
export function nextStatus(from: ConnectionStatus, step: Step): ConnectionStatus {
  const rule = RULES[step];
  const refusal = rule.refused?.[from];
  if (refusal) throw new IllegalTransitionError(from, rule.target, step, refusal);
  return rule.moves[from] ?? from;
}

/** Throws as `nextStatus` would: checked before slow work (a provider call) that ends in the step. */
export function assertAllowed(from: string, step: Step): void {
  nextStatus(statusOf(from), step);
}

/** When consecutive failures turn a connection degraded, then unhealthy (config: SWITCHBOARD_HEALTH_*). */
export interface HealthThresholds {
  degradedAt: number;
  unhealthyAt: number;
}

/** Health from the count of consecutive failed checks and syncs: 0 healthy, then degraded, then unhealthy. */
export function healthFor(consecutiveFailures: number, thresholds: HealthThresholds): Health {
  if (consecutiveFailures >= thresholds.unhealthyAt) return 'unhealthy';
  if (consecutiveFailures >= thresholds.degradedAt) return 'degraded';
  return 'healthy';
}

export interface Target {
  id: string;
  /** Given when the caller acts for an org: another org's connection is as missing as a deleted one. */
  orgId?: string;
}

/** Where a step or a count left a connection. */
export interface Moved {
  from: { status: ConnectionStatus; health: Health };
  status: ConnectionStatus;
  health: Health;
  consecutive_failures: number;
}

/** A change a person (or the system acting for one) made: audited, and a `connection.updated` event. */
export interface Change {
  set?: ConnectionEdit;
  /** `status` and `health` in its changed fields are dropped when they did not change. */
  audit?: AuditNote;
}

/**
 * Moves a connection by `step` in the caller's transaction: decides its status and health, writes
 * them with the change's other columns, and records the events. Undefined when the connection is
 * gone; nothing is written when nothing changes.
 */
export async function move(
  tx: Db,
  target: Target,
  step: Step,
  now: Date,
  change: Change = {},
): Promise<Moved | undefined> {
  const state = await lockLifecycleState(tx, target);
  if (!state) return undefined;
  const status = nextStatus(statusOf(state.status), step);
  return write(tx, target, state, { status, health: RULES[step].health }, now, change);
}

/** How a run ended, for its connection's counters. */
export interface RunEnd {
  /** A cancelled run counts nowhere; any other counts as a success or a failure. */
  counted: 'success' | 'failure' | 'none';
  /** The provider refused the credentials: the connection is in error until they are fixed. */
  authFailure: boolean;
  /** The connection's last_sync_* columns, for a counted run (and last_full_sync_at for a full one that completed). */
  lastSync?: Pick<
    ConnectionUpdate,
    | 'last_sync_at'
    | 'last_sync_status'
    | 'last_sync_error'
    | 'last_sync_duration_ms'
    | 'last_sync_stats'
    | 'last_full_sync_at'
  >;
}

/** A run of the connection ended: its status leaves `syncing`, its counters and health follow. */
export async function endRun(
  tx: Db,
  connectionId: string,
  end: RunEnd,
  thresholds: HealthThresholds,
  now: Date,
): Promise<Moved | undefined> {
  const state = await lockLifecycleState(tx, { id: connectionId });
  if (!state) return undefined;
  const status = nextStatus(statusOf(state.status), end.authFailure ? 'run_failed_auth' : 'run_ended');
  const set: ConnectionUpdate = { updated_at: now.toISOString() };
  let health: Health | undefined;
  if (end.counted !== 'none') {
    const failed = end.counted === 'failure';
    const failures = failed ? state.consecutive_failures + 1 : 0;
    Object.assign(set, end.lastSync, {
      total_runs: state.total_runs + 1,
      successful_runs: state.successful_runs + (failed ? 0 : 1),
      failed_runs: state.failed_runs + (failed ? 1 : 0),
      consecutive_failures: failures,
    } satisfies ConnectionUpdate);
    health = healthFor(failures, thresholds);
  }
  return write(tx, { id: connectionId }, state, { status, health }, now, { set });
}

export interface CheckOutcome {
  passed: boolean;
  /** The provider's complaint when the check failed; null clears the stored one. */
  error: string | null;
}

/**
 * A health check of the connection ran: its failure count and health follow. A connection with no
 * check scheduled (never enabled, or disabled meanwhile) is not given one.
 */
export async function recordHealthCheck(
  tx: Db,
  target: Target & { intervalMins: number },
  outcome: CheckOutcome,
  thresholds: HealthThresholds,
  now: Date,
): Promise<Moved | undefined> {
  const state = await lockLifecycleState(tx, target);
  if (!state) return undefined;
  const failures = outcome.passed ? 0 : state.consecutive_failures + 1;
  const at = now.toISOString();
  const set: ConnectionUpdate = {
    last_health_check_at: at,
    last_health_error: outcome.error,
    consecutive_failures: failures,
    next_health_check_at:
      state.next_health_check_at === null ? null : nextHealthCheckAt(target.intervalMins, now),
    updated_at: at,
  };
  const status = statusOf(state.status);
  return write(tx, target, state, { status, health: healthFor(failures, thresholds) }, now, { set });
}

async function write(
  tx: Db,
  target: Target,
  state: LifecycleState,
  next: { status: ConnectionStatus; health: Health | undefined },
  now: Date,
  change: { set?: ConnectionUpdate; audit?: AuditNote },
): Promise<Moved> {
  const from = { status: statusOf(state.status), health: healthOf(state.health) };
  const health = next.health ?? from.health;
  const moved: Moved = {
    from,
    status: next.status,
    health,
    consecutive_failures: change.set?.consecutive_failures ?? state.consecutive_failures,
  };
  const statusChanged = next.status !== from.status;
  const healthChanged = health !== from.health;
  const set: ConnectionUpdate = {
    ...change.set,
    ...(statusChanged ? { status: next.status } : {}),
    ...(healthChanged ? { health } : {}),
  };
  if (Object.keys(set).length === 0) return moved;
  await updateConnection(tx, target, set);
  const about = { orgId: state.org_id, id: target.id };
  let audit: AuditNote | undefined;
  if (change.audit) {
    const unchanged = [...(statusChanged ? [] : ['status']), ...(healthChanged ? [] : ['health'])];
    const changedFields = change.audit.changedFields.filter((field) => !unchanged.includes(field));
    audit = { ...change.audit, changedFields };
    await announceChange(tx, about, audit, now);
  }
  const subject = { orgId: state.org_id, subjectId: target.id };
  if (statusChanged) {
    await recordEvent(
      tx,
      { ...subject, type: 'connection.status_changed', payload: { from: from.status, to: next.status } },
      now,
    );
  }
  if (healthChanged) {
    await recordEvent(
      tx,
      { ...subject, type: 'connection.health_changed', payload: { from: from.health, to: health } },
      now,
    );
  }
  if (audit) await concludeChange(tx, about, set, state.credential_status, audit, now);
  return moved;
}

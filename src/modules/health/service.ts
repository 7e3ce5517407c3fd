import type { Connector } from '../../connectors/sdk.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import { recordAudit } from '../audit/service.js';
import type { Actor, Caller } from '../auth/principal.js';
import { runConnectorTest } from '../catalog/connector-test.js';
import { type HealthThresholds, recordHealthCheck } from '../connections/lifecycle.js';
import { nextHealthCheckAt } from '../connections/schedule.js';
import { type ConnectionSecrets, connectorConfig } from '../connections/secrets.js';
import type { ConnectionService } from '../connections/service.js';
import type { ConnectionStatus, ConnectionWithDefinition, Health } from '../connections/store.js';
import { forEachLimited } from './concurrency.js';
import { recentRuns, uptime } from './store.js';

/** Scheduled checks run this many at once: each waits on a provider, none should starve the rest. */
const DUE_CONCURRENCY = 4;

export type CheckResult = 'success' | 'failure';

/** What a check found, before it is recorded. */
interface Probe {
  result: CheckResult;
  message: string;
  response_time_ms: number;
}

/**
 * Connection health: checks run now (POST health-check) or when due (the scheduler's tick), the
 * failure count and health level they move, and the health report.
 */
export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
    private readonly connectors: readonly Connector[],
    private readonly secrets: ConnectionSecrets,
    private readonly auth: (row: ConnectionWithDefinition) => ProviderAuth | undefined,
    private readonly thresholds: HealthThresholds,
    private readonly logger: Logger,
    private readonly outbound: Outbound,
  ) {}

  /**
   * Runs one check now and records it. A failed check is a result (200), not an error. Someone
   * asked for it, so the change is audited.
   */
  async check({ orgId, actor, now }: Caller, id: string) {
    const row = await this.connections.require(orgId, id);
    if (row.status === ('disabled' satisfies ConnectionStatus)) throw new AppError('CONNECTION_DISABLED');
    const probe = await this.#probe(row);
    const health = await this.#record(row, probe, now, actor);
    if (!health) throw new AppError('CONNECTION_NOT_FOUND'); // deleted during the check
    return {
      connection_id: id,
      health,
      check_result: probe.result,
      response_time_ms: probe.response_time_ms,
      message: probe.message,
      checked_at: now.toISOString(),
    };
  }

  /** The spec's health report: check state, sync state, the latest runs and uptime rates. */
  async report({ orgId, now }: Caller, id: string) {
    const row = await this.connections.require(orgId, id);
    const [runs, rates] = await Promise.all([
      recentRuns(this.db, orgId, id),
      uptime(this.db, orgId, id, now),
    ]);
    return {
      connection_id: row.id,
      connection_name: row.name,
      integration_name: row.integration_name,
      status: row.status,
      health: row.health,
      last_health_check_at: row.last_health_check_at,
      last_health_error: row.last_health_error,
      consecutive_failures: row.consecutive_failures,
      health_check_interval_mins: row.health_check_interval_mins,
      next_health_check_at: row.next_health_check_at,
      sync_state: {
        sync_enabled: row.sync_enabled,
        last_sync_at: row.last_sync_at,
        last_sync_status: row.last_sync_status,
        next_sync_at: row.next_sync_at,
      },
      recent_runs: runs,
      uptime: rates,
    };
  }

  /**
   * Runs the checks due at `now` (up to `limit`) and returns how many ran. Each slot is claimed
   * first, so several scheduler processes share the work and never check a slot twice. Not
   * audited: no one asked for it.
   */
  async runDue(now: Date, limit = 100): Promise<number> {
    const due = await this.connections.dueHealthChecks(now, limit);
    let ran = 0;
    await forEachLimited(due, DUE_CONCURRENCY, async (slot) => {
      if (slot.next_health_check_at === null) return;
      const next = nextHealthCheckAt(slot.health_check_interval_mins, now);
      if (!(await this.connections.claimHealthCheckSlot(slot.id, slot.next_health_check_at, next))) return;
      const row = await this.connections.find(slot.org_id, slot.id);
      if (!row) return; // deleted since it was read
      ran++;
      const probe = await this.#probe(row);
      const health = await this.#record(row, probe, now);
      if (health && probe.result === 'failure') {
        this.logger.warn(
          { connection_id: row.id, org_id: row.org_id, health, error: probe.message },
          'scheduled health check failed',
        );
      }
    });
    return ran;
  }

  /** Runs the connector's healthCheck, or its test when it has none. */
  async #probe(row: ConnectionWithDefinition): Promise<Probe> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const connector = this.connectors.find((c) => c.definition.slug === row.connector);
      if (!connector) throw new AppError('CONNECTOR_UNAVAILABLE', undefined, { connector: row.connector });
      const result = await runConnectorTest(
        connector,
        connectorConfig(this.secrets, row),
        this.logger.child({ connection_id: row.id, connector: row.connector }),
        { auth: this.auth(row), check: 'healthCheck', outbound: this.outbound },
      );
      if (result.test_result === 'success') {
        return {
          result: 'success',
          message: `Health check passed. ${row.integration_name} API responding normally.`,
          response_time_ms: elapsed(),
        };
      }
      return { result: 'failure', message: result.message, response_time_ms: elapsed() };
    } catch (error) {
      // A connection the engine cannot even try (connector missing from this build, credentials
      // unreadable, config unusable) fails its check: its health must say so, not the request.
      if (!(error instanceof AppError)) throw error;
      return { result: 'failure', message: error.message, response_time_ms: elapsed() };
    }
  }

  /**
   * Writes the outcome (and, for a user's check, its audit entry) in one transaction; the new
   * health, or undefined when the connection was deleted during the check.
   */
  async #record(
    row: ConnectionWithDefinition,
    probe: Probe,
    now: Date,
    actor?: Actor,
  ): Promise<Health | undefined> {
    const passed = probe.result === 'success';
    const error = passed ? null : probe.message;
    return this.db.transaction().execute(async (tx) => {
      const recorded = await recordHealthCheck(
        tx,
        { orgId: row.org_id, id: row.id, intervalMins: row.health_check_interval_mins },
        { passed, error },
        this.thresholds,
        now,
      );
      if (!recorded) return undefined;
      if (actor) {
        const changedFields = ['last_health_check_at'];
        if (error !== row.last_health_error) changedFields.push('last_health_error');
        if (recorded.consecutive_failures !== row.consecutive_failures) {
          changedFields.push('consecutive_failures');
        }
        if (recorded.health !== row.health) changedFields.push('health');
        if (row.next_health_check_at !== null) changedFields.push('next_health_check_at');
        await recordAudit(
          tx,
          actor,
          {
            orgId: row.org_id,
            action: 'connection.health_checked',
            targetType: 'connection',
            targetId: row.id,
            changedFields,
          },
          now,
        );
      }
      return recorded.health;
    });
  }
}

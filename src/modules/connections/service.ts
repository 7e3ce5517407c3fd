import type { Connector } from '../../connectors/sdk.js';
import { checkedTarget } from '../../connectors/toolkit/target.js';
import { SecretBoxError } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import type { PageQuery, SortOrder } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { validateConfig } from '../catalog/config-schema.js';
import { runConnectorTest } from '../catalog/connector-test.js';
import type { CatalogService } from '../catalog/service.js';
import { recordEvent } from '../events/outbox.js';
import { type ConnectionEdit, changeConnection } from './change.js';
import { assertAllowed, INITIAL_STATE, move } from './lifecycle.js';
import { checkCron, checkTimezone, nextHealthCheckAt, nextSyncAt } from './schedule.js';
import {
  type Config,
  type ConnectionSecrets,
  connectorConfig,
  maskedConfig,
  secretFieldsOf,
  splitConfig,
  tokensOf,
  withoutMasked,
  withoutTokens,
} from './secrets.js';
import {
  type ConnectionFilter,
  type ConnectionListRow,
  type ConnectionSort,
  type ConnectionStatus,
  type ConnectionWithDefinition,
  claimHealthCheckSlot,
  deleteConnection,
  dueHealthChecks,
  findConnection,
  insertConnection,
  listConnections,
} from './store.js';

export const DEFAULT_SYNC_INTERVAL_MINS = 360;
export const DEFAULT_HEALTH_CHECK_INTERVAL_MINS = 60;

const CREATED_MESSAGE =
  'Connection created. Use POST /integration-connections/:id/test to validate credentials, then POST /integration-connections/:id/enable to start syncing.';

/** The fields a client sets (spec: POST /integration-connections). */
export interface ConnectionInput {
  definition_id: string;
  name: string;
  description?: string | null;
  instance_label?: string | null;
  config: Config;
  sync_enabled?: boolean;
  sync_interval_mins?: number;
  sync_cron?: string | null;
  sync_timezone?: string | null;
  health_check_interval_mins?: number;
  tags?: string[];
}

export type ConnectionChanges = Partial<ConnectionInput>;

/** The spec's list item; the config and the sealed secrets are never part of it. */
export function listItem(row: ConnectionListRow) {
  return {
    ...row,
    success_rate_pct:
      row.total_runs > 0 ? Math.round((row.successful_runs / row.total_runs) * 1000) / 10 : null,
  };
}

/** The spec's detail: the clear config with each stored secret as `***masked***`. */
function detail(row: ConnectionWithDefinition, secretNames: Iterable<string>) {
  const { secrets: _secrets, config_schema: _schema, auth_type: _auth, oauth: _oauth, config, ...rest } = row;
  return { ...rest, config: maskedConfig(config, secretNames) };
}

export type ConnectionDetail = ReturnType<typeof detail>;

const SCALAR_FIELDS = [
  'name',
  'description',
  'instance_label',
  'sync_enabled',
  'sync_interval_mins',
  'sync_cron',
  'sync_timezone',
  'health_check_interval_mins',
] as const;

const DISABLE_FIELDS = ['sync_enabled', 'next_sync_at', 'next_health_check_at', 'disabled_reason'] as const;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The (org_id, name) unique constraint decides whether a name is free. */
function withUniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  return uniqueOr(
    () => new AppError('NAME_TAKEN', `A connection named "${name}" already exists`, { name }),
    write,
  );
}

async function requireConnection(db: Db, orgId: string, id: string): Promise<ConnectionWithDefinition> {
  const row = await findConnection(db, orgId, id);
  if (!row) throw new AppError('CONNECTION_NOT_FOUND');
  return row;
}

/** JSON merge patch (RFC 7396) one level deep: `null` removes a field, anything else sets it. */
function mergeConfig(stored: Config, patch: Config): Config {
  const merged: Config = { ...stored };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** Connection rules: CRUD, the test/enable/disable lifecycle and the sealing of secret fields. */
export class ConnectionService {
  constructor(
    private readonly db: Db,
    private readonly secrets: ConnectionSecrets,
    private readonly connectors: readonly Connector[],
    private readonly catalog: CatalogService,
    private readonly logger: Logger,
    /** The provider credential beyond the config (OAuth tokens) a test runs with. */
    private readonly auth: (row: ConnectionWithDefinition) => ProviderAuth | undefined,
    private readonly outbound: Outbound,
  ) {}

  async list(
    { orgId }: Caller,
    filter: ConnectionFilter,
    page: PageQuery & { sort: ConnectionSort; order: SortOrder },
  ) {
    const { rows, total } = await listConnections(this.db, orgId, filter, page);
    return { items: rows.map(listItem), total };
  }

  async get({ orgId }: Caller, id: string): Promise<ConnectionDetail> {
    const row = await requireConnection(this.db, orgId, id);
    return detail(row, this.#storedSecretNames(row));
  }

  /** The connection with its definition, as the engine uses it; undefined when the org has none such. */
  find(orgId: string, id: string, db: Db = this.db): Promise<ConnectionWithDefinition | undefined> {
    return findConnection(db, orgId, id);
  }

  /** The same, or CONNECTION_NOT_FOUND. */
  require(orgId: string, id: string, db: Db = this.db): Promise<ConnectionWithDefinition> {
    return requireConnection(db, orgId, id);
  }

  /** Connections whose scheduled health check is due at `now`, oldest slot first. */
  dueHealthChecks(now: Date, limit: number) {
    return dueHealthChecks(this.db, now, limit);
  }

  /** Takes a due health-check slot by moving it to `next`; false when another scheduler took it. */
  claimHealthCheckSlot(id: string, slot: string, next: string): Promise<boolean> {
    return claimHealthCheckSlot(this.db, id, slot, next);
  }

  async create({ orgId, actor, now }: Caller, input: ConnectionInput) {
    if (input.sync_cron) checkCron(input.sync_cron);
    if (input.sync_timezone) checkTimezone(input.sync_timezone);
    const definition = await this.catalog.connectable(input.definition_id);
    if (!definition) {
      throw new AppError('INTEGRATION_NOT_FOUND', undefined, { definition_id: input.definition_id });
    }
    const secretFields = secretFieldsOf(definition.config_schema);
    const config = validateConfig(definition.config_schema, withoutMasked(input.config, secretFields));
    await this.#checkTarget(definition.connector, config);
    const { plain, secret } = splitConfig(config, secretFields);
    const id = newId();
    const at = now.toISOString();
    return withUniqueName(input.name, () =>
      this.db.transaction().execute(async (tx) => {
        await insertConnection(tx, {
          id,
          org_id: orgId,
          definition_id: definition.id,
          name: input.name,
          description: input.description ?? null,
          instance_label: input.instance_label ?? null,
          ...INITIAL_STATE,
          config: plain,
          secrets: this.secrets.seal(orgId, id, secret),
          sync_enabled: input.sync_enabled ?? true,
          sync_interval_mins: input.sync_interval_mins ?? DEFAULT_SYNC_INTERVAL_MINS,
          sync_cron: input.sync_cron ?? null,
          sync_timezone: input.sync_timezone ?? null,
          health_check_interval_mins: input.health_check_interval_mins ?? DEFAULT_HEALTH_CHECK_INTERVAL_MINS,
          next_sync_at: null,
          next_health_check_at: null,
          last_sync_at: null,
          last_sync_status: null,
          last_sync_error: null,
          last_sync_duration_ms: null,
          last_sync_stats: null,
          last_health_check_at: null,
          last_health_error: null,
          last_tested_at: null,
          last_test_passed_at: null,
          consecutive_failures: 0,
          total_runs: 0,
          successful_runs: 0,
          failed_runs: 0,
          tags: input.tags ?? [],
          metadata: {},
          disabled_reason: null,
          created_by: actor.type === 'user' ? actor.id : null,
          created_at: at,
          updated_at: at,
        });
        await recordAudit(
          tx,
          actor,
          { orgId, action: 'connection.created', targetType: 'connection', targetId: id },
          now,
        );
        await recordEvent(
          tx,
          {
            type: 'connection.created',
            orgId,
            subjectId: id,
            payload: {
              name: input.name,
              connector: definition.connector,
              definition_id: definition.id,
              status: INITIAL_STATE.status,
            },
          },
          now,
        );
        const row = await requireConnection(tx, orgId, id);
        return { ...detail(row, Object.keys(secret)), message: CREATED_MESSAGE };
      }),
    );
  }

  /** Applies the fields that differ; `config` is merged into the stored one, masked secrets kept. */
  async update({ orgId, actor, now }: Caller, id: string, changes: ConnectionChanges) {
    if (changes.sync_cron) checkCron(changes.sync_cron);
    if (changes.sync_timezone) checkTimezone(changes.sync_timezone);
    if (changes.config !== undefined) {
      // Before the transaction: resolving the host must not hold it.
      const current = await requireConnection(this.db, orgId, id);
      await this.#checkTarget(current.connector, this.#mergedConfig(current, changes.config).merged);
    }
    return withUniqueName(changes.name, () =>
      this.db.transaction().execute(async (tx) => {
        const row = await requireConnection(tx, orgId, id);
        if (changes.definition_id !== undefined && changes.definition_id !== row.definition_id) {
          throw new InvalidFieldsError([
            {
              field: 'definition_id',
              message: 'cannot change: create a new connection for another integration',
            },
          ]);
        }
        const set: ConnectionEdit = {};
        const changed: string[] = [];
        for (const field of SCALAR_FIELDS) {
          const value = changes[field];
          if (value !== undefined && value !== row[field]) {
            Object.assign(set, { [field]: value });
            changed.push(field);
          }
        }
        if (changes.tags !== undefined && !sameJson(changes.tags, row.tags)) {
          set.tags = changes.tags;
          changed.push('tags');
        }
        let secretNames = this.#storedSecretNames(row);
        if (changes.config !== undefined) {
          const configChange = this.#mergedConfig(row, changes.config);
          if (configChange.changed.length > 0) {
            if (row.status === ('syncing' satisfies ConnectionStatus)) throw new AppError('CONFIG_LOCKED');
            set.config = configChange.plain;
            // OAuth tokens are not config: they stay sealed beside the new secret fields.
            const tokens = tokensOf(this.#tryOpenSecrets(row));
            set.secrets = this.secrets.seal(orgId, id, { ...configChange.secret, ...tokens });
            secretNames = Object.keys(configChange.secret);
            changed.push(...configChange.changed.map((name) => `config.${name}`));
          }
        }
        if (changed.length === 0) return detail(row, secretNames);
        // A scheduled connection follows its new schedule from now on.
        if (
          row.next_sync_at !== null &&
          (set.sync_interval_mins !== undefined ||
            set.sync_cron !== undefined ||
            set.sync_timezone !== undefined)
        ) {
          set.next_sync_at = nextSyncAt(
            {
              sync_cron: changes.sync_cron === undefined ? row.sync_cron : changes.sync_cron,
              sync_timezone: changes.sync_timezone === undefined ? row.sync_timezone : changes.sync_timezone,
              sync_interval_mins: changes.sync_interval_mins ?? row.sync_interval_mins,
            },
            now,
          );
        }
        await changeConnection(
          tx,
          { orgId, id },
          { ...set, updated_at: now.toISOString() },
          { actor, action: 'connection.updated', changedFields: changed },
          now,
        );
        return detail(await requireConnection(tx, orgId, id), secretNames);
      }),
    );
  }

  async delete({ orgId, actor, now }: Caller, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await requireConnection(tx, orgId, id);
      if (row.status === ('syncing' satisfies ConnectionStatus)) throw new AppError('SYNC_IN_PROGRESS');
      await deleteConnection(tx, orgId, id);
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'connection.deleted', targetType: 'connection', targetId: id },
        now,
      );
      await recordEvent(
        tx,
        { type: 'connection.deleted', orgId, subjectId: id, payload: { name: row.name } },
        now,
      );
    });
  }

  /**
   * Runs the connector's credential test with the decrypted config and records the outcome. A
   * failed test is a result (200), not an error.
   */
  async test({ orgId, actor, now }: Caller, id: string) {
    const row = await requireConnection(this.db, orgId, id);
    assertAllowed(row.status, 'test_passed');
    const connector = this.connectors.find((c) => c.definition.slug === row.connector);
    if (!connector) throw new AppError('CONNECTOR_UNAVAILABLE', undefined, { connector: row.connector });
    const config = connectorConfig(this.secrets, row);
    const result = await runConnectorTest(
      connector,
      config,
      this.logger.child({ connection_id: id, connector: row.connector }),
      { auth: this.auth(row), outbound: this.outbound },
    );
    const passed = result.test_result === 'success';
    const at = now.toISOString();
    const moved = await this.db.transaction().execute((tx) =>
      move(tx, { orgId, id }, passed ? 'test_passed' : 'test_failed', now, {
        set: { last_tested_at: at, ...(passed ? { last_test_passed_at: at } : {}), updated_at: at },
        audit: {
          actor,
          action: 'connection.tested',
          changedFields: ['last_tested_at', ...(passed ? ['last_test_passed_at'] : []), 'status', 'health'],
        },
      }),
    );
    if (!moved) throw new AppError('CONNECTION_NOT_FOUND'); // deleted during the test
    return { connection_id: id, ...result, status: moved.status, health: moved.health, tested_at: at };
  }

  /** Schedules the connection; refused until a test has passed at least once. */
  async enable({ orgId, actor, now }: Caller, id: string) {
    return this.db.transaction().execute(async (tx) => {
      const row = await requireConnection(tx, orgId, id);
      if (row.last_test_passed_at === null) throw new AppError('TEST_REQUIRED');
      let status = row.status;
      let nextSync = row.next_sync_at;
      const scheduled = (row.status === 'connected' || row.status === 'syncing') && row.sync_enabled;
      if (!(scheduled && nextSync !== null)) {
        nextSync = nextSyncAt(row, now);
        const changedFields = ['status', 'sync_enabled', 'next_sync_at', 'next_health_check_at'];
        if (row.disabled_reason !== null) changedFields.push('disabled_reason');
        const moved = await move(tx, { orgId, id }, 'enabled', now, {
          set: {
            sync_enabled: true,
            next_sync_at: nextSync,
            next_health_check_at: nextHealthCheckAt(row.health_check_interval_mins, now),
            disabled_reason: null,
            updated_at: now.toISOString(),
          },
          audit: { actor, action: 'connection.enabled', changedFields },
        });
        if (!moved) throw new AppError('CONNECTION_NOT_FOUND');
        status = moved.status;
      }
      return {
        id,
        status,
        sync_enabled: true,
        next_sync_at: nextSync,
        message: `Connection enabled. First sync scheduled for ${nextSync}.`,
      };
    });
  }

  /** Stops syncs and health checks; the reason is kept for whoever re-enables it. */
  async disable({ orgId, actor, now }: Caller, id: string, reason: string | undefined) {
    return this.db.transaction().execute(async (tx) => {
      const row = await requireConnection(tx, orgId, id);
      const set = {
        sync_enabled: false,
        next_sync_at: null,
        next_health_check_at: null,
        disabled_reason: reason ?? null,
      };
      const changed = DISABLE_FIELDS.filter((field) => set[field] !== row[field]);
      // Already disabled as asked: nothing to write, nothing to audit.
      if (row.status !== ('disabled' satisfies ConnectionStatus) || changed.length > 0) {
        await move(tx, { orgId, id }, 'disabled', now, {
          set: { ...set, updated_at: now.toISOString() },
          audit: { actor, action: 'connection.disabled', changedFields: ['status', ...changed] },
        });
      }
      return {
        id,
        status: 'disabled' satisfies ConnectionStatus,
        sync_enabled: false,
        message: 'Connection disabled. Syncs and health checks paused.',
      };
    });
  }

  /** The stored config merged with `patch`, re-validated, split, and the names of the fields that differ. */
  #mergedConfig(row: ConnectionWithDefinition, patch: Config) {
    const secretFields = secretFieldsOf(row.config_schema);
    // Unreadable stored secrets count as absent: the schema then asks for them again (400), which
    // is how a client repairs such a connection.
    const stored = { ...row.config, ...withoutTokens(this.#tryOpenSecrets(row)) };
    const merged = validateConfig(row.config_schema, mergeConfig(stored, withoutMasked(patch, secretFields)));
    const names = new Set([...Object.keys(stored), ...Object.keys(merged)]);
    const changed = [...names].filter((name) => !sameJson(stored[name], merged[name]));
    return { ...splitConfig(merged, secretFields), merged, changed };
  }

  /** Refuses a config whose provider host the SSRF guard would refuse (a 400 naming the field). */
  async #checkTarget(slug: string, config: Config) {
    const connector = this.connectors.find((c) => c.definition.slug === slug);
    if (connector) await checkedTarget(connector.definition, config, this.outbound);
  }

  #tryOpenSecrets(row: ConnectionWithDefinition): Config {
    try {
      return this.secrets.open(row.org_id, row.id, row.secrets);
    } catch (error) {
      if (error instanceof SecretBoxError) return {};
      throw error;
    }
  }

  /**
   * Which secrets a response masks: those stored. When they cannot be decrypted every secret field
   * of the schema is shown masked; the test endpoint is where that failure is reported.
   */
  #storedSecretNames(row: ConnectionWithDefinition): string[] {
    if (row.secrets === null) return [];
    try {
      return Object.keys(withoutTokens(this.secrets.open(row.org_id, row.id, row.secrets)));
    } catch (error) {
      if (error instanceof SecretBoxError) return secretFieldsOf(row.config_schema);
      throw error;
    }
  }
}

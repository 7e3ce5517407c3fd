import type { Connector, ConnectorAction } from '../../connectors/sdk.js';
import { connectorContext } from '../../connectors/toolkit/context.js';
import { checkedTarget } from '../../connectors/toolkit/target.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { validateConfig } from '../catalog/config-schema.js';
import { type ConnectionSecrets, connectorConfig } from '../connections/secrets.js';
import {
  type ConnectionStatus,
  type ConnectionWithDefinition,
  findConnection,
} from '../connections/store.js';
import { actionFailure } from './outcome.js';

/** How long an action may take; past it the connector's requests are aborted. */
export const ACTION_TIMEOUT_MS = 30_000;

// An action acts on the provider with the connection's credentials: they must be working ones.
const READY: ReadonlySet<string> = new Set<ConnectionStatus>(['connected', 'syncing']);

type AnyAction = ConnectorAction<Record<string, unknown>, never, unknown>;

/**
 * A connector's actions on a connection (post a message, start a scan, create a ticket): listed
 * with their input schemas, and run with validated input in the connection's context, for the API
 * and for the engine's own callers alike.
 */
export class ActionService {
  constructor(
    private readonly db: Db,
    private readonly connectors: readonly Connector[],
    private readonly secrets: ConnectionSecrets,
    private readonly auth: (row: ConnectionWithDefinition) => ProviderAuth | undefined,
    private readonly outbound: Outbound,
    private readonly logger: Logger,
  ) {}

  async list({ orgId }: Caller, id: string) {
    const { connector } = await this.#connection(orgId, id);
    return Object.entries(connector?.actions ?? {}).map(([name, action]) => ({
      name,
      description: action.description,
      input_schema: action.inputSchema,
    }));
  }

  async run({ orgId, actor, now }: Caller, id: string, name: string, input: Record<string, unknown>) {
    const { row, connector } = await this.#connection(orgId, id);
    const action: AnyAction | undefined = connector?.actions?.[name];
    if (!connector || !action) throw new AppError('ACTION_NOT_FOUND', undefined, { action: name });
    const valid = validateConfig(action.inputSchema, input, 'input');
    if (!READY.has(row.status)) {
      throw new AppError('CONNECTION_NOT_CONNECTED', undefined, { status: row.status });
    }
    const config = connectorConfig(this.secrets, row);
    await checkedTarget(connector.definition, config, this.outbound);
    const logger = this.logger.child({ connection_id: id, connector: row.connector, action: name });
    const ctx = connectorContext(connector.definition, config, {
      logger,
      signal: AbortSignal.timeout(ACTION_TIMEOUT_MS),
      outbound: this.outbound,
      ...(this.auth(row) ? { oauth: this.auth(row) } : {}),
    });
    const started = performance.now();
    let output: unknown;
    try {
      // The schema was checked just above: the input is the action's.
      output = await action.run(ctx, valid as never);
    } catch (error) {
      logger.warn({ err: error }, 'action failed');
      throw actionFailure(error, name, ACTION_TIMEOUT_MS);
    }
    const durationMs = Math.round(performance.now() - started);
    await recordAudit(
      this.db,
      actor,
      { orgId, action: `connection.action.${name}`, targetType: 'connection', targetId: id },
      now,
    );
    return { action: name, output, duration_ms: durationMs };
  }

  async #connection(orgId: string, id: string) {
    const row = await findConnection(this.db, orgId, id);
    if (!row) throw new AppError('CONNECTION_NOT_FOUND');
    return { row, connector: this.connectors.find((c) => c.definition.slug === row.connector) };
  }
}

import type { Connector, LiveSearchQuery, SearchHit } from '../../connectors/sdk.js';
import { connectorContext } from '../../connectors/toolkit/context.js';
import { checkedTarget } from '../../connectors/toolkit/target.js';
import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import type { Caller } from '../auth/principal.js';
import { type ConnectionSecrets, connectorConfig } from '../connections/secrets.js';
import type { ConnectionWithDefinition } from '../connections/store.js';
import { findUserCredential } from '../credentials/store.js';

/**
 * How a connection's live search went: `none` when it has none (or none ran), `complete`, `timed_out`
 * (past the timeout: the search answered without it), `failed` (the provider refused or failed).
 */
export type LiveStatus = 'none' | 'complete' | 'timed_out' | 'failed';

export interface LiveOutcome {
  status: LiveStatus;
  hits: SearchHit[];
}

/** The OAuth credentials live searches authenticate with: the connection's, or a user's own. */
export interface SearchCredentials {
  authFor(row: ConnectionWithDefinition): ProviderAuth | undefined;
  authForUser(row: ConnectionWithDefinition, userId: string): ProviderAuth | undefined;
}

export interface LiveSearchOptions {
  db: Db;
  connectors: readonly Connector[];
  secrets: ConnectionSecrets;
  credentials: SearchCredentials;
  outbound: Outbound;
  logger: Logger;
  timeoutMs: number;
}

const NONE: LiveOutcome = { status: 'none', hits: [] };

/**
 * Connectors' live search at their providers (the `search` hook), each call in the connection's
 * context and bounded by the timeout, which aborts its requests; never throws.
 */
export class LiveSearch {
  constructor(private readonly options: LiveSearchOptions) {}

  /** The connector of the connection when it searches live: it declares `search` and implements it. */
  connectorOf(row: { connector: string; capabilities: readonly string[] }): Connector | undefined {
    const connector = this.options.connectors.find((c) => c.definition.slug === row.connector);
    return connector?.search && row.capabilities.includes('search') ? connector : undefined;
  }

  async run(caller: Caller, row: ConnectionWithDefinition, query: LiveSearchQuery): Promise<LiveOutcome> {
    const connector = this.connectorOf(row);
    const search = connector?.search?.bind(connector);
    if (!connector || !search) return NONE;
    const { outbound, logger, timeoutMs } = this.options;
    const log = logger.child({ connection_id: row.id, connector: row.connector });
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<LiveOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException(`live search took over ${timeoutMs} ms`, 'TimeoutError'));
        resolve({ status: 'timed_out', hits: [] });
      }, timeoutMs);
    });
    const searched = (async (): Promise<LiveOutcome> => {
      const config = connectorConfig(this.options.secrets, row);
      await checkedTarget(connector.definition, config, outbound);
      const oauth = await this.#auth(caller, row);
      const ctx = connectorContext(connector.definition, config, {
        logger: log,
        signal: controller.signal,
        outbound,
        ...(oauth ? { oauth } : {}),
      });
      const hits = await search(ctx, query);
      return { status: 'complete', hits: hits.slice(0, query.limit) };
    })().catch((error: unknown): LiveOutcome => {
      if (!controller.signal.aborted) log.warn({ err: error }, 'live search failed');
      return { status: 'failed', hits: [] };
    });
    try {
      return await Promise.race([searched, expired]);
    } finally {
      clearTimeout(timer);
      // A connector still running past the answer stops its requests.
      controller.abort();
    }
  }

  /**
   * A user who connected their own credential to the connection (user-scoped connections) searches
   * with it, never with anyone else's; other callers with the connection's.
   */
  async #auth(caller: Caller, row: ConnectionWithDefinition): Promise<ProviderAuth | undefined> {
    const { credentials, db } = this.options;
    const userId = caller.actor.type === 'user' ? caller.actor.id : null;
    if (userId !== null) {
      const own = await findUserCredential(db, { orgId: row.org_id, connectionId: row.id, userId });
      if (own?.secrets) return credentials.authForUser(row, userId);
    }
    return credentials.authFor(row);
  }
}

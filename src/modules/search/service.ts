import type { LiveSearchQuery } from '../../connectors/sdk.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { InvalidFieldsError } from '../../platform/errors.js';
import type { Caller } from '../auth/principal.js';
import type { ConnectionService } from '../connections/service.js';
import type { ConnectionWithDefinition } from '../connections/store.js';
import { type ConnectionMatches, searchRecords, storedRecordKeys } from '../sync/storage/record-search.js';
import type { LiveOutcome, LiveSearch, LiveStatus } from './live.js';
import {
  bestFirst,
  type ConnectionResults,
  connectionResults,
  keyOf,
  type ResultConnection,
  type SearchResultItem,
} from './merge.js';
import { parseQuery, searchable } from './query.js';

/** A federated search (integration-provider-api.md, "Global Search Across Integrations"). */
export interface SearchRequest {
  query: string;
  /** Connection ids; every connection of the org when absent. */
  integrations?: string[];
  entities?: string[];
  filters?: {
    date_range?: { start?: string; end?: string };
    entity_types?: string[];
  };
  /** Results per connection. */
  limit: number;
  /** Skipped per connection. */
  offset: number;
}

/** How one connection's part of a search went. */
export interface IntegrationStatus {
  name: string;
  total: number;
  has_more: boolean;
  live: LiveStatus;
}

export interface SearchResponse {
  results: SearchResultItem[];
  total: number;
  took: number;
  has_more: boolean;
  by_integration: Record<string, SearchResultItem[]>;
  by_entity: Record<string, SearchResultItem[]>;
  partial: boolean;
  integration_status: Record<string, IntegrationStatus>;
}

/** Connections read a page at a time when a search covers all of the org's. */
const LIST_PAGE = 500;

/** A connection as a search needs it. */
interface Target extends ResultConnection {
  status: string;
  connector: string;
  capabilities: string[];
}

const targetOf = (row: {
  id: string;
  name: string;
  integration_slug: string;
  integration_name: string;
  status: string;
  connector: string;
  capabilities: string[];
}): Target => ({
  id: row.id,
  name: row.name,
  integration_slug: row.integration_slug,
  integration_name: row.integration_name,
  status: row.status,
  connector: row.connector,
  capabilities: row.capabilities,
});

const NO_LIVE: LiveOutcome = { status: 'none', hits: [] };

/** The entities both filters allow; undefined when neither restricts them. */
function entitiesOf(request: SearchRequest): string[] | undefined {
  const lists = [request.entities, request.filters?.entity_types].filter(
    (list): list is string[] => list !== undefined,
  );
  if (lists.length === 0) return undefined;
  const [first, ...rest] = lists;
  return [...new Set(first)].filter((entity) => rest.every((list) => list.includes(entity)));
}

/** The date range as instants, checked to be one. */
function rangeOf(request: SearchRequest): { from?: string; to?: string } {
  const range = request.filters?.date_range;
  const from = range?.start ? new Date(range.start).toISOString() : undefined;
  const to = range?.end ? new Date(range.end).toISOString() : undefined;
  if (from && to && from > to) {
    throw new InvalidFieldsError([{ field: 'filters.date_range', message: 'must not end before it starts' }]);
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/**
 * Federated search over the org's connections: their synced records through the records' full-text
 * index (the sync module's storage), merged with the live hits of connectors that search their
 * provider, each bounded by the live search's timeout. Reads other modules' tables through their
 * services and storage functions; owns none.
 */
export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
    private readonly live: LiveSearch,
    /** `took` is measured on it, from the caller's `now` (a fake clock in tests reads 0). */
    private readonly clock: Clock,
  ) {}

  async search(caller: Caller, request: SearchRequest): Promise<SearchResponse> {
    const text = parseQuery(request.query);
    const range = rangeOf(request);
    const entities = entitiesOf(request);
    const targets = await this.#targets(caller, request.integrations);
    const page = { offset: request.offset, limit: request.limit };
    const runnable = searchable(text) && entities?.length !== 0 && targets.length > 0;

    // A provider's search knows nothing of when records were stored: a date range is the index's alone.
    const liveTargets =
      runnable && range.from === undefined && range.to === undefined
        ? targets.filter((target) => target.status !== 'disabled' && this.live.connectorOf(target))
        : [];
    const liveQuery: LiveSearchQuery = {
      text: request.query,
      // One more than the page needs: whether the provider has more.
      limit: page.offset + page.limit + 1,
      ...(entities ? { entities } : {}),
    };
    const [stored, lives] = await Promise.all([
      runnable
        ? searchRecords(this.db, {
            orgId: caller.orgId,
            text,
            ...(request.integrations ? { connectionIds: targets.map((target) => target.id) } : {}),
            ...(entities ? { entities } : {}),
            ...(range.from ? { updatedFrom: range.from } : {}),
            ...(range.to ? { updatedTo: range.to } : {}),
            ...page,
            fromStart: liveTargets.map((target) => target.id),
          })
        : new Map<string, ConnectionMatches>(),
      Promise.all(liveTargets.map((target) => this.#live(caller, target.id, liveQuery))),
    ]);
    // Which live hits are stored records, matched or not: those are no new matches for the total.
    const liveById = new Map(
      await Promise.all(
        liveTargets.map(async (target, i) => {
          const outcome = lives[i] ?? NO_LIVE;
          const known = await storedRecordKeys(
            this.db,
            { orgId: caller.orgId, connectionId: target.id },
            outcome.hits.map((hit) => ({ entity: hit.entity, external_id: hit.id })),
          );
          const storedKeys = new Set(known.map((key) => keyOf(key.entity, key.external_id)));
          return [target.id, { ...outcome, storedKeys }] as const;
        }),
      ),
    );

    const parts = new Map<string, ConnectionResults>();
    for (const target of targets) {
      const part = connectionResults(target, stored.get(target.id), liveById.get(target.id) ?? NO_LIVE, page);
      // An org-wide search reports the connections that found something or searched live.
      if (request.integrations || part.total > 0 || part.live !== 'none') parts.set(target.id, part);
    }
    const ranked = [...parts.values()].flatMap((part) => part.items).sort(bestFirst);
    const results = ranked.map((r) => r.item);
    const group = (key: (item: SearchResultItem) => string) => {
      const groups: Record<string, SearchResultItem[]> = {};
      for (const item of results) {
        const list = groups[key(item)] ?? [];
        list.push(item);
        groups[key(item)] = list;
      }
      return groups;
    };
    const names = new Map(targets.map((target) => [target.id, target.name]));
    const status = Object.fromEntries(
      [...parts].map(([id, part]) => [
        id,
        { name: names.get(id) ?? '', total: part.total, has_more: part.has_more, live: part.live },
      ]),
    );
    const partial = [...parts.values()].some((part) => part.live === 'timed_out' || part.live === 'failed');
    return {
      results,
      total: [...parts.values()].reduce((sum, part) => sum + part.total, 0),
      took: Math.max(0, this.clock.now().getTime() - caller.now.getTime()),
      has_more: [...parts.values()].some((part) => part.has_more),
      by_integration: group((item) => item.connection_id),
      by_entity: group((item) => item.entity),
      partial,
      integration_status: status,
    };
  }

  /** One connection's search (`GET /integration-connections/:id/search`). */
  async searchConnection(
    caller: Caller,
    id: string,
    request: Pick<SearchRequest, 'query' | 'entities' | 'limit' | 'offset'>,
  ) {
    const found = await this.search(caller, { ...request, integrations: [id] });
    return {
      results: found.results,
      total: found.total,
      took: found.took,
      has_more: found.has_more,
      partial: found.partial,
      live: found.integration_status[id]?.live ?? 'none',
    };
  }

  /** The connections searched: those named (each the org's, else 404), or all of the org's. */
  async #targets(caller: Caller, ids: string[] | undefined): Promise<Target[]> {
    if (ids) {
      const rows = await Promise.all(
        [...new Set(ids)].map((id) => this.connections.require(caller.orgId, id)),
      );
      return rows.map(targetOf);
    }
    const targets: Target[] = [];
    for (let page = 1; ; page++) {
      const { items, total } = await this.connections.list(
        caller,
        {},
        { page, per_page: LIST_PAGE, sort: 'name', order: 'asc' },
      );
      targets.push(...items.map(targetOf));
      if (targets.length >= total || items.length === 0) return targets;
    }
  }

  async #live(caller: Caller, id: string, query: LiveSearchQuery): Promise<LiveOutcome> {
    const row: ConnectionWithDefinition | undefined = await this.connections.find(caller.orgId, id);
    return row ? this.live.run(caller, row, query) : NO_LIVE;
  }
}

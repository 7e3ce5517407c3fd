import type { SearchHit } from '../../connectors/sdk.js';
import type { ConnectionMatches, RecordHit } from '../sync/storage/record-search.js';
import type { LiveOutcome, LiveStatus } from './live.js';

/** What a result names of its connection. */
export interface ResultConnection {
  id: string;
  name: string;
  integration_slug: string;
  integration_name: string;
}

/** One found record (the spec's SearchResultItem, which it leaves undefined). */
export interface SearchResultItem {
  connection_id: string;
  connection_name: string;
  integration_slug: string;
  integration_name: string;
  entity: string;
  /** The record's id at the provider. */
  id: string;
  title: string;
  data: Record<string, unknown>;
  /** Text relevance from the database's ranking, higher is better; null for a record found live only. */
  score: number | null;
  /** `stored`: from the synced records; `live`: the provider returned it just now (its data wins). */
  source: 'stored' | 'live';
  /** When its stored copy last changed; null for a record found live only. */
  updated_at: string | null;
}

/** A connection's part of a search: its page of results and what is known of the rest. */
export interface ConnectionResults {
  items: Ranked[];
  total: number;
  has_more: boolean;
  live: LiveStatus;
}

/** A result with its rank within its connection's merged results (1 is the best). */
export interface Ranked {
  item: SearchResultItem;
  rank: number;
}

/** Fields that name a record, in the order a title is looked for. */
const TITLE_FIELDS = [
  'title',
  'name',
  'display_name',
  'full_name',
  'summary',
  'subject',
  'email',
  'login',
  'key',
] as const;

/** A record's title: its first naming field with text, else its entity and id. */
export function titleOf(entity: string, id: string, data: Record<string, unknown>): string {
  for (const field of TITLE_FIELDS) {
    const value = data[field];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return `${entity} ${id}`;
}

export const keyOf = (entity: string, id: string) => `${entity}\u0000${id}`;

function storedItem(connection: ResultConnection, hit: RecordHit): SearchResultItem {
  return {
    connection_id: connection.id,
    connection_name: connection.name,
    integration_slug: connection.integration_slug,
    integration_name: connection.integration_name,
    entity: hit.entity,
    id: hit.external_id,
    title: titleOf(hit.entity, hit.external_id, hit.data),
    data: hit.data,
    score: hit.score,
    source: 'stored',
    updated_at: hit.updated_at,
  };
}

function liveItem(connection: ResultConnection, hit: SearchHit): SearchResultItem {
  return {
    connection_id: connection.id,
    connection_name: connection.name,
    integration_slug: connection.integration_slug,
    integration_name: connection.integration_name,
    entity: hit.entity,
    id: hit.id,
    title: hit.title || titleOf(hit.entity, hit.id, hit.data),
    data: hit.data,
    score: null,
    source: 'live',
    updated_at: null,
  };
}

/**
 * A connection's page of `limit` results from `offset`. Without a live search, the stored page as
 * it is. With one, its hits that are no stored record (`storedKeys`: those that are) are interleaved
 * with the stored matches by rank: the provider's first hit after the best stored match, and so on.
 * A live hit that is a stored match on the page gives it the provider's data. The page is exact, and
 * the same whatever pages came before, when `stored` holds the first `offset + limit` stored matches
 * and the live hits are the provider's first `offset + limit + 1` (the last only tells whether it has
 * more): nothing ranked past those can come before the page's end.
 */
export function connectionResults(
  connection: ResultConnection,
  stored: ConnectionMatches | undefined,
  live: LiveOutcome & { storedKeys?: ReadonlySet<string> },
  page: { offset: number; limit: number },
): ConnectionResults {
  const storedTotal = stored?.total ?? 0;
  const end = page.offset + page.limit;
  const fresh = new Map(live.hits.map((hit) => [keyOf(hit.entity, hit.id), hit]));
  const storedItems = (stored?.hits ?? []).map((hit) => {
    const item = storedItem(connection, hit);
    const again = fresh.get(keyOf(hit.entity, hit.external_id));
    if (!again) return { item, rank: hit.position, live: false };
    const { data, title } = liveItem(connection, again);
    return { item: { ...item, data, title, source: 'live' as const }, rank: hit.position, live: false };
  });
  const seen = new Set<string>();
  const liveOnly = live.hits.flatMap((hit, index) => {
    const key = keyOf(hit.entity, hit.id);
    if (live.storedKeys?.has(key) || seen.has(key)) return [];
    seen.add(key);
    return [{ item: liveItem(connection, hit), rank: index + 1, live: true }];
  });
  const more = storedTotal > end || live.hits.length > end;
  if (liveOnly.length === 0) {
    return {
      // Read from the first match when a live search ran: the page is still after the offset.
      items: storedItems
        .filter(({ rank }) => rank > page.offset && rank <= end)
        .map(({ item, rank }) => ({ item, rank })),
      total: storedTotal,
      has_more: more,
      live: live.status,
    };
  }
  const merged = [...storedItems, ...liveOnly].sort(
    (a, b) => a.rank - b.rank || Number(a.live) - Number(b.live),
  );
  return {
    items: merged.slice(page.offset, end).map(({ item }, index) => ({ item, rank: page.offset + index + 1 })),
    total: storedTotal + liveOnly.filter(({ rank }) => rank <= end).length,
    has_more: more || merged.length > end,
    live: live.status,
  };
}

/** Rank within their connection first, then text relevance, then connection, entity and id. */
export function bestFirst(a: Ranked, b: Ranked): number {
  return (
    a.rank - b.rank ||
    (b.item.score ?? 0) - (a.item.score ?? 0) ||
    a.item.connection_id.localeCompare(b.item.connection_id) ||
    a.item.entity.localeCompare(b.item.entity) ||
    a.item.id.localeCompare(b.item.id)
  );
}

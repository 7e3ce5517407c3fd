import { setImmediate as nextTurn } from 'node:timers/promises';
import { type ConnectorContext, type LiveSearchQuery, ProviderError, type SearchHit } from '../sdk.js';
import { DEMO_ENTITIES, type DemoEntity, type DemoRecordMap, demoRecords } from './data.js';
import type { DemoConfig } from './definition.js';

/** Records read between two checks of the signal, each after a turn of the event loop. */
const SCAN_SLICE = 1_000;

const WORD = /[\p{L}\p{N}]+/gu;
const wordsOf = (text: string) => text.normalize('NFC').toLowerCase().match(WORD) ?? [];

const TITLES: { [E in DemoEntity]: (record: DemoRecordMap[E]) => string } = {
  users: (user) => user.display_name,
  groups: (group) => group.name,
  group_memberships: (membership) => `${membership.user_id} in ${membership.group_id}`,
  repositories: (repository) => repository.full_name,
};

/** The words of a record's string and number values, as a provider's search index would hold them. */
function recordWords(record: object): Set<string> {
  const words = new Set<string>();
  for (const value of Object.values(record)) {
    if (typeof value === 'string' || typeof value === 'number') {
      for (const word of wordsOf(String(value))) words.add(word);
    }
  }
  return words;
}

/**
 * The demo provider's own search: a record matches when its values hold every word of the query
 * and none of a `-word`, in entity then id order. It scans the generated records (as a slow
 * provider would), a slice at a time, and stops when `ctx.signal` is aborted.
 */
export async function demoSearch(
  ctx: ConnectorContext<DemoConfig>,
  query: LiveSearchQuery,
): Promise<SearchHit[]> {
  const { config, signal } = ctx;
  if (typeof config.api_token !== 'string' || config.api_token.trim() === '' || config.fail_auth === true) {
    throw new ProviderError('authentication', 'Demo rejected the API token', { httpStatus: 401 });
  }
  const required: string[] = [];
  const refused: string[] = [];
  for (const token of query.text.split(/\s+/)) {
    if (token.length > 1 && token.startsWith('-')) refused.push(...wordsOf(token.slice(1)));
    else if (token.toLowerCase() !== 'or') required.push(...wordsOf(token));
  }
  const hits: SearchHit[] = [];
  if (required.length === 0 || query.limit <= 0) return hits;
  let scanned = 0;
  for (const entity of DEMO_ENTITIES) {
    if (query.entities && !query.entities.includes(entity)) continue;
    const title = TITLES[entity] as (record: DemoRecordMap[DemoEntity]) => string;
    for (const record of demoRecords(config, entity)) {
      if (++scanned % SCAN_SLICE === 0) {
        await nextTurn();
        signal.throwIfAborted();
      }
      const words = recordWords(record);
      if (!required.every((word) => words.has(word)) || refused.some((word) => words.has(word))) continue;
      hits.push({ entity, id: record.id, title: title(record), data: { ...record } });
      if (hits.length >= query.limit) return hits;
    }
  }
  return hits;
}

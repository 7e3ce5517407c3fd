import { InvalidFieldsError } from '../../platform/errors.js';
import type { TextQuery } from '../sync/storage/record-search.js';

/** The longest query accepted, in characters (the route's schema says the same). */
export const MAX_QUERY_LENGTH = 500;
/** Words beyond these are ignored: a query is a few words, not a document. */
const MAX_WORDS = 32;

/**
 * A word as both indexes split text into words (SQLite's unicode61 tokenizer: letters, digits and
 * private-use characters; everything else separates), lower-cased as both fold case.
 */
const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

export const wordsOf = (text: string): string[] =>
  (text.normalize('NFC').toLowerCase().match(WORD) ?? []).slice(0, MAX_WORDS);

/** `"quoted phrases"` (an unclosed quote runs to the end), each maybe excluded, and runs of other characters. */
const TOKEN = /(-?)"([^"]*)"?|[^\s"]+/gu;

/**
 * A user's query, in the syntax web search engines share (as PostgreSQL's websearch_to_tsquery
 * reads it): words must all match, `"a phrase"` must match as written, `a OR b` either, `-word`
 * and `-"a phrase"` must not. A word written with punctuation (`alice@acme.com`, `foo-bar`) is a
 * phrase of its words, as the indexes split it. Nothing a user types is an error: what holds no
 * word is ignored, and a query with no word left to look for finds nothing.
 */
export function parseQuery(text: string): TextQuery {
  if (text.trim() === '') {
    throw new InvalidFieldsError([{ field: 'query', message: 'must contain something to search for' }]);
  }
  if (text.length > MAX_QUERY_LENGTH) {
    throw new InvalidFieldsError([
      { field: 'query', message: `must be at most ${MAX_QUERY_LENGTH} characters` },
    ]);
  }
  const groups: string[][][] = [];
  const excluded: string[][] = [];
  let joinNext = false;
  let count = 0;
  for (const match of text.matchAll(TOKEN)) {
    const quoted = match[2] !== undefined;
    const raw = quoted ? match[2]! : match[0];
    if (!quoted && raw.toLowerCase() === 'or') {
      // Joins the clauses on either side; leading, trailing or doubled, it joins nothing.
      joinNext = groups.length > 0;
      continue;
    }
    const negated = quoted ? match[1] === '-' : raw.length > 1 && raw.startsWith('-');
    const words = wordsOf(negated && !quoted ? raw.slice(1) : raw);
    if (words.length === 0 || count >= MAX_WORDS) continue;
    count += words.length;
    if (negated) excluded.push(words);
    else if (joinNext) groups.at(-1)!.push(words);
    else groups.push([words]);
    joinNext = false;
  }
  return { groups, excluded };
}

/** Whether the query can match anything: it has a word to look for. */
export const searchable = (query: TextQuery) => query.groups.length > 0;

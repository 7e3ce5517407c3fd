/** The query syntax, parsed once and written in each index's own language, never unquoted. */
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/modules/search/query.js';
import { fts5Query, tsQuery } from '../../src/modules/sync/storage/record-search.js';
import { AppError } from '../../src/platform/errors.js';

describe('search query syntax', () => {
  it('reads words, phrases, OR and exclusions as web search engines do', () => {
    expect(parseQuery('Alice  smith')).toEqual({ groups: [[['alice']], [['smith']]], excluded: [] });
    expect(parseQuery('"needle in a" haystack')).toEqual({
      groups: [[['needle', 'in', 'a']], [['haystack']]],
      excluded: [],
    });
    expect(parseQuery('a OR b or "c d" e')).toEqual({
      groups: [[['a'], ['b'], ['c', 'd']], [['e']]],
      excluded: [],
    });
    expect(parseQuery('keys -aws -"old keys"')).toEqual({
      groups: [[['keys']]],
      excluded: [['aws'], ['old', 'keys']],
    });
    // Punctuation joins words into a phrase, as the indexes split them.
    expect(parseQuery('alice@acme.com foo-bar')).toEqual({
      groups: [[['alice', 'acme', 'com']], [['foo', 'bar']]],
      excluded: [],
    });
  });

  it('ignores what holds no word, wherever it stands', () => {
    for (const text of ['"', '*', ':', '(', 'OR', 'or OR', '-', '--', '""', '^ ~ {}']) {
      expect([text, parseQuery(text)]).toEqual([text, { groups: [], excluded: [] }]);
    }
    expect(parseQuery('OR a OR')).toEqual({ groups: [[['a']]], excluded: [] });
    expect(parseQuery('AND (')).toEqual({ groups: [[['and']]], excluded: [] });
    expect(parseQuery('Ünïcode 東京 🚀')).toEqual({ groups: [[['ünïcode']], [['東京']]], excluded: [] });
  });

  it('refuses only an empty or too long query, naming it', () => {
    for (const text of ['', '  \t', 'x'.repeat(501)]) {
      expect(() => parseQuery(text)).toThrow(AppError);
      try {
        parseQuery(text);
      } catch (error) {
        expect((error as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['query']);
      }
    }
  });

  it('writes each word quoted in FTS5’s syntax and in to_tsquery’s', () => {
    const query = parseQuery('near AND "x y" OR z -w');
    expect(fts5Query(query)).toBe('("near" AND "and" AND ("x y" OR "z")) NOT "w"');
    expect(tsQuery(query)).toBe("('near') & ('and') & ('x' <-> 'y' | 'z') & !('w')");
  });
});

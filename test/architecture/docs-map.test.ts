/** The docs name only files and folders that exist: a map that lies is worse than none. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe.each([
  ['docs/architecture.md', 30],
  ['docs/connectors.md', 10],
])('%s', (doc, least) => {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const named = [...text.matchAll(/`((?:src|test|bench)\/[^`\s]*)`/g)].map((m) => m[1]!);

  it('names the code it maps', () => {
    expect(named.length).toBeGreaterThan(least);
  });

  it('names only paths that exist', () => {
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});

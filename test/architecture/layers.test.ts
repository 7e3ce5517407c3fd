/**
 * Layers: src/platform is infrastructure with no domain knowledge, so it imports nothing from
 * src/modules; and only its HTTP layer (src/platform/http) knows HTTP, so the rest of platform
 * imports nothing from there. A domain failure is an AppError from src/platform/errors.ts, which
 * the HTTP layer maps to a status; it never travels the other way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
const PLATFORM = join(SRC, 'platform');
const HTTP = join(PLATFORM, 'http');
const MODULES = join(SRC, 'modules');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Static imports and re-exports (`from '…'`, type-only ones included), side-effect imports and
// dynamic `import('…')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** The files under src a file imports, as absolute paths (packages are left out). */
function localImports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(SPECIFIER)]
    .map((match) => match[1] ?? '')
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(path), specifier));
}

const within = (dir: string, path: string) => !relative(dir, path).startsWith('..');

/** `file → imported file` for each import of a platform file that breaks the layering. */
function violations(): string[] {
  return sourceFiles(PLATFORM).flatMap((file) =>
    localImports(file)
      .filter((target) => within(MODULES, target) || (!within(HTTP, file) && within(HTTP, target)))
      .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
  );
}

describe('layers', () => {
  it('platform imports nothing from modules, and only platform/http imports from platform/http', () => {
    expect(violations()).toEqual([]);
  });

  it('sees the imports it checks', () => {
    // The check is only as good as its parsing: the HTTP layer's own imports must be found.
    const targets = localImports(join(HTTP, 'error-handler.ts')).map((target) => relative(SRC, target));
    expect(targets).toEqual(
      expect.arrayContaining(['platform/errors.js', 'platform/http/error-response.js']),
    );
  });
});

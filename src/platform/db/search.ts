import { type RawBuilder, sql } from 'kysely';

/**
 * `column` contains `search`, case-insensitively, with `%`, `_` and `\` taken literally (the same
 * on SQLite and PostgreSQL).
 */
export function contains(column: string, search: string): RawBuilder<boolean> {
  const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

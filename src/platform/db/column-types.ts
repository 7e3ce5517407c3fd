import { type ColumnDataType, type Expression, sql } from 'kysely';
import type { DialectName } from './database.js';

/** Declared type SQLite columns holding JSON get; its "TEXT" keeps SQLite from coercing numbers. */
export const SQLITE_JSON_TYPE = 'JSON_TEXT';

export interface ColumnTypes {
  dialect: DialectName;
  id: ColumnDataType;
  text: ColumnDataType;
  json: Expression<unknown>;
  bool: ColumnDataType;
  timestamp: ColumnDataType;
  integer: ColumnDataType;
  bigint: ColumnDataType;
  double: ColumnDataType;
  /**
   * Whether an index column can say `DESC NULLS LAST`. PostgreSQL needs it for a descending sort
   * that puts nulls last to use an index; SQLite's grammar has no such clause, and its backward
   * scan of an ascending index already yields that order.
   */
  indexNullsOrder: boolean;
}

/** The column types migrations use, so one migration set builds the same schema on both dialects. */
export function columnTypes(dialect: DialectName): ColumnTypes {
  const pg = dialect === 'postgres';
  return {
    dialect,
    id: 'text',
    text: 'text',
    json: pg ? sql`jsonb` : sql.raw(SQLITE_JSON_TYPE),
    bool: 'boolean',
    // Stored as ISO 8601 text on SQLite, which sorts and compares correctly.
    timestamp: pg ? 'timestamptz' : 'text',
    integer: 'integer',
    bigint: pg ? 'bigint' : 'integer',
    double: pg ? 'double precision' : 'real',
    indexNullsOrder: pg,
  };
}

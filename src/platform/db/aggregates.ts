import { type RawBuilder, sql } from 'kysely';
import { type Db, isPostgres } from './database.js';

/**
 * The UTC hour a timestamp column falls in, as the ISO 8601 text `toISOString()` gives for that hour
 * (`2026-02-21T15:00:00.000Z`), so rows grouped by it match hours computed in code. Timestamps are
 * ISO text on SQLite (its first 13 characters are the hour) and timestamptz on PostgreSQL.
 */
export function hourOf(db: Db, column: string): RawBuilder<string> {
  return isPostgres(db)
    ? sql<string>`to_char(date_trunc('hour', ${sql.ref(column)} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24":00:00.000Z"')`
    : sql<string>`substr(${sql.ref(column)}, 1, 13) || ':00:00.000Z'`;
}

/** An integer field of a JSON object column, 0 where absent (jsonb on PostgreSQL, JSON text on SQLite). */
export function jsonInteger(db: Db, column: string, field: string): RawBuilder<number> {
  return isPostgres(db)
    ? sql<number>`coalesce((${sql.ref(column)} ->> ${sql.lit(field)})::bigint, 0)`
    : sql<number>`coalesce(json_extract(${sql.ref(column)}, ${sql.lit(`$.${field}`)}), 0)`;
}

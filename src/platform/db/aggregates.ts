import { type RawBuilder, sql } from 'kysely';
import { type Db, isPostgres } from './database.js';

/** The UTC hour of a timestamp column, to group rows by it (see hourOf). */
export interface HourBucket {
  /** What to group by: cheap for every row. */
  key: RawBuilder<unknown>;
  /** The group's hour as the ISO 8601 text `toISOString()` gives for it, computed from the key. */
  label: RawBuilder<string>;
}

/**
 * The UTC hour a timestamp column falls in, as the ISO 8601 text `toISOString()` gives for that hour
 * (`2026-02-21T15:00:00.000Z`), so rows grouped by it match hours computed in code. Timestamps are
 * ISO text on SQLite (its first 13 characters are the hour) and timestamptz on PostgreSQL. Group by
 * `key` and select `label`: the text is then formatted once a group, not once a row (PostgreSQL's
 * to_char on every one of a week's runs was half of the sync-activity query, bench/dashboard).
 */
export function hourOf(db: Db, column: string): HourBucket {
  if (isPostgres(db)) {
    const key = sql`date_trunc('hour', ${sql.ref(column)} at time zone 'UTC')`;
    return { key, label: sql<string>`to_char(${key}, 'YYYY-MM-DD"T"HH24":00:00.000Z"')` };
  }
  const key = sql`substr(${sql.ref(column)}, 1, 13)`;
  return { key, label: sql<string>`${key} || ':00:00.000Z'` };
}

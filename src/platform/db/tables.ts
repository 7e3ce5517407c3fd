import type { ColumnType } from 'kysely';

/** ISO 8601 UTC string on both dialects (see postgres.ts and column-types.ts). */
export type Timestamp = string;

/**
 * A JSON column holds an object or an array (never a bare scalar: parameters are encoded as JSON by
 * their shape, see json-parameters.ts), written as the value and read back parsed.
 */
export type Json<T extends object> = ColumnType<T, T, T>;

export interface SystemSettingsTable {
  key: string;
  value: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

/** Every table, as Kysely sees it. Modules add theirs here with their migration. */
export interface Tables {
  system_settings: SystemSettingsTable;
}

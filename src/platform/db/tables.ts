import type { ColumnType } from 'kysely';

/** ISO 8601 UTC string on both dialects (see postgres.ts and column-types.ts). */
export type Timestamp = string;

/** A JSON column: written as any JSON value, read back parsed. */
export type Json<T> = ColumnType<T, T, T>;

export interface SystemSettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: Timestamp;
}

/** Every table, as Kysely sees it. Modules add theirs here with their migration. */
export interface Tables {
  system_settings: SystemSettingsTable;
}

/**
 * SQL texts that PostgreSQL runs as named prepared statements: parsed and planned once per pooled
 * connection instead of at every call. For the statements run many times a second (query templates,
 * the sync's batch): planning alone was a sixth of a sync batch's time (bench/sync on PostgreSQL).
 * SQLite's driver prepares its own.
 */
const names = new Map<string, string>();

/** Runs `sql` as a named prepared statement from now on. */
export function prepareStatement(sql: string): void {
  if (!names.has(sql)) names.set(sql, `switchboard_${names.size + 1}`);
}

/** The statement name `sql` runs under, if it is prepared. */
export function preparedName(sql: string): string | undefined {
  return names.get(sql);
}

/**
 * What a connection's dashboard widgets read of the sync module's tables: its runs in a time window
 * and its stored records, filtered in the database on both dialects.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import { type Db, isPostgres } from '../../../platform/db/database.js';

/** A top-level field's value a record must equal: JSON scalars only. */
export type FieldValue = string | number | boolean | null;

/** A connection's runs between `since` and `until` (ISO 8601, both inclusive). */
export interface RunWindow {
  connectionId: string;
  since: string;
  until: string;
}

export interface WidgetRun {
  id: string;
  /** A RunStatus. */
  status: string;
  trigger: string;
  /** When it started, or was queued when it has not started yet. */
  at: string;
  completed_at: string | null;
  duration_ms: number | null;
  stats: Record<string, number>;
  error_message: string | null;
}

/** The window's runs, newest first, at most `limit`, and how many there are in all. */
export async function runsInWindow(
  db: Db,
  window: RunWindow,
  limit: number,
): Promise<{ rows: WidgetRun[]; total: number }> {
  // A pending run has not started: it happens when it was queued.
  const at = sql<string>`coalesce(${sql.ref('started_at')}, ${sql.ref('queued_at')})`;
  const q = db
    .selectFrom('sync_runs')
    .where('connection_id', '=', window.connectionId)
    .where(at, '>=', window.since)
    .where(at, '<=', window.until);
  const [rows, count] = await Promise.all([
    q
      .select([
        'id',
        'status',
        'trigger',
        at.as('at'),
        'completed_at',
        'duration_ms',
        'stats',
        'error_message',
      ])
      .orderBy(at, 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return {
    rows,
    total: Number(count.total),
  };
}

/** Which of a connection's stored records a widget reads. */
export interface RecordQuery {
  connectionId: string;
  entity: string;
  /** Top-level fields and the values they must equal (JSON equality: `1` is not `"1"`, null is null). */
  filters: Record<string, FieldValue>;
}

/** One top-level field equal to a scalar, in SQLite's JSON functions (key bound, never in a path). */
function sqliteFieldEquals(field: string, value: FieldValue): Expression<SqlBool> {
  const entry = (condition: ReturnType<typeof sql>) =>
    sql<SqlBool>`exists (select 1 from json_each(${sql.ref('data')}) where key = ${field} and ${condition})`;
  if (value === null) return entry(sql`type = 'null'`);
  if (typeof value === 'boolean') return entry(value ? sql`type = 'true'` : sql`type = 'false'`);
  if (typeof value === 'number') return entry(sql`type in ('integer', 'real') and atom = ${value}`);
  return entry(sql`type = 'text' and atom = ${value}`);
}

/** The records matching every filter; containment is equality for scalar values on PostgreSQL. */
function matching(db: Db, filters: Record<string, FieldValue>): Expression<SqlBool>[] {
  if (Object.keys(filters).length === 0) return [];
  if (isPostgres(db)) return [sql<SqlBool>`${sql.ref('data')} @> ${JSON.stringify(filters)}::jsonb`];
  return Object.entries(filters).map(([field, value]) => sqliteFieldEquals(field, value));
}

/**
 * The connection's stored records of the entity that match, deleted ones left out: the first
 * `limit` in external id order, and how many match in all.
 */
export async function recordsMatching(
  db: Db,
  query: RecordQuery,
  limit: number,
): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  let q = db
    .selectFrom('sync_records')
    .where('connection_id', '=', query.connectionId)
    .where('entity', '=', query.entity)
    .where('deleted_at', 'is', null);
  for (const condition of matching(db, query.filters)) q = q.where(condition);
  const [rows, count] = await Promise.all([
    q.select('data').orderBy('external_id').limit(limit).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((row) => row.data), total: Number(count.total) };
}

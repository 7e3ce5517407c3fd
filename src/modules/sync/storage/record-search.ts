/**
 * Full-text search over the stored records (modules/search), with each database's own index
 * (migration 0015): FTS5 ranked by bm25 on SQLite, a `tsvector` ranked by ts_rank on PostgreSQL.
 * The query arrives parsed into words (runs of letters and digits), so that nothing a user types
 * reaches either query language unquoted.
 */
import { type RawBuilder, sql } from 'kysely';
import { type Db, isPostgres } from '../../../platform/db/database.js';

/**
 * A search as the index runs it: a record matches when it matches every group, a group when any
 * of its phrases does, and never when it matches an excluded phrase. A phrase is words that follow
 * each other (one word: anywhere). Words hold only letters, digits and private-use characters.
 */
export interface TextQuery {
  groups: string[][][];
  excluded: string[][];
}

export interface RecordSearch {
  orgId: string;
  text: TextQuery;
  /** Only these connections' records; all the org's when absent. */
  connectionIds?: readonly string[];
  /** Only these entities; all when absent. */
  entities?: readonly string[];
  /** Records stored (created or last changed) within these instants, ISO 8601, both inclusive. */
  updatedFrom?: string;
  updatedTo?: string;
  /** The page of each connection's ranked matches: positions `offset + 1` to `offset + limit`. */
  offset: number;
  limit: number;
  /**
   * Connections whose page is their first `offset + limit` matches instead: their service merges
   * them with live results before it takes the page.
   */
  fromStart?: readonly string[];
}

export interface RecordHit {
  connection_id: string;
  entity: string;
  external_id: string;
  data: Record<string, unknown>;
  updated_at: string;
  /** Relevance within this search, higher is better (comparable across connections, not searches). */
  score: number;
  /** 1-based rank among the connection's matches. */
  position: number;
}

export interface ConnectionMatches {
  /** Matching records of the connection in all. */
  total: number;
  /** Its page, best first. */
  hits: RecordHit[];
}

/** FTS5's syntax for a phrase of words: quoted, so that AND, NEAR or `*` are only words. */
const ftsPhrase = (words: string[]) => `"${words.join(' ')}"`;

/** The query in FTS5's MATCH syntax. */
export function fts5Query({ groups, excluded }: TextQuery): string {
  const any = (phrases: string[][]) =>
    phrases.length === 1 ? ftsPhrase(phrases[0]!) : `(${phrases.map(ftsPhrase).join(' OR ')})`;
  const all = groups.map(any).join(' AND ');
  return excluded.length === 0 ? all : `(${all}) NOT ${any(excluded)}`;
}

/** The query in `to_tsquery` syntax: words quoted, phrases with `<->`. */
export function tsQuery({ groups, excluded }: TextQuery): string {
  const phrase = (words: string[]) => words.map((word) => `'${word}'`).join(' <-> ');
  const any = (phrases: string[][]) => `(${phrases.map(phrase).join(' | ')})`;
  const all = groups.map(any).join(' & ');
  return excluded.length === 0 ? all : `${all} & !${any(excluded)}`;
}

/** A JSON array parameter read as a set of texts, on either dialect. */
function inList(db: Db, column: RawBuilder<string>, values: readonly string[]) {
  const list = JSON.stringify(values);
  return isPostgres(db)
    ? sql`${column} in (select jsonb_array_elements_text(${list}::jsonb))`
    : sql`${column} in (select value from json_each(${list}))`;
}

/** The filters besides the text, on the records table aliased `r`. */
function filters(db: Db, search: RecordSearch) {
  const conditions = [sql`r.org_id = ${search.orgId}`, sql`r.deleted_at is null`];
  if (search.connectionIds) conditions.push(inList(db, sql`r.connection_id`, search.connectionIds));
  if (search.entities) conditions.push(inList(db, sql`r.entity`, search.entities));
  const instant = (value: string) => (isPostgres(db) ? sql`${value}::timestamptz` : sql`${value}`);
  if (search.updatedFrom) conditions.push(sql`r.updated_at >= ${instant(search.updatedFrom)}`);
  if (search.updatedTo) conditions.push(sql`r.updated_at <= ${instant(search.updatedTo)}`);
  return sql.join(conditions, sql` and `);
}

/**
 * The search's matches ranked within each connection. Each carries what finds its row again: the
 * rowid on SQLite (the records' INTEGER PRIMARY KEY, the FTS5 index's own key), the key on
 * PostgreSQL. Every match is ranked and counted: the cost grows with the matches (bench/dashboard).
 */
function rankedSql(db: Db, search: RecordSearch): RawBuilder<unknown> {
  // Position and total share one window (its frame widened for the count): the matches are sorted
  // once, not once for each.
  const windows = sql`row_number() over w as position,
    count(*) over (w rows between unbounded preceding and unbounded following) as total`;
  if (isPostgres(db)) {
    const score = sql`ts_rank(r.search_vector, q.query)`;
    // Texts sort by their bytes: the locale's rules would order only ties differently, at 40% more sort time.
    return sql`select r.connection_id, r.entity, r.external_id, ${score} as score, ${windows}
      from sync_records r, to_tsquery('simple', ${tsQuery(search.text)}) as q (query)
      where r.search_vector @@ q.query and ${filters(db, search)}
      window w as (partition by r.connection_id collate "C"
        order by ${score} desc, r.entity collate "C", r.external_id collate "C")`;
  }
  // bm25 is lower for better matches.
  return sql`select r.rowid as record_rowid, r.connection_id, -f.rank as score, ${windows}
    from sync_records_fts f join sync_records r on r.rowid = f.rowid
    where sync_records_fts match ${fts5Query(search.text)} and ${filters(db, search)}
    window w as (partition by r.connection_id order by f.rank, r.rowid)`;
}

/** The ranked matches' rows, by the key each carries. */
function rowsOf(db: Db) {
  return isPostgres(db)
    ? sql`join sync_records r
        on r.connection_id = k.connection_id and r.entity = k.entity and r.external_id = k.external_id`
    : sql`join sync_records r on r.rowid = k.record_rowid`;
}

interface Row {
  connection_id: string;
  entity: string;
  external_id: string;
  score: number;
  position: number;
  total: number;
  /** Decoded by the dialect (SQLite by the column's declared type), or JSON text. */
  data: Record<string, unknown> | string;
  updated_at: string;
}

/**
 * The search's matches in each connection that has any: how many, and the page of them. A
 * connection's first match is always read, so that its total is known when the page is past its end.
 */
export async function searchRecords(db: Db, search: RecordSearch): Promise<Map<string, ConnectionMatches>> {
  const fromStart = search.fromStart ?? [];
  const lower =
    fromStart.length === 0
      ? sql`${search.offset}`
      : sql`case when ${inList(db, sql`k.connection_id`, fromStart)} then 0 else ${search.offset} end`;
  const { rows } = await sql<Row>`with ranked as (${rankedSql(db, search)})
    select k.connection_id, r.entity, r.external_id, k.score, k.position, k.total, r.data, r.updated_at
    from ranked k ${rowsOf(db)}
    where k.position = 1 or (k.position > ${lower} and k.position <= ${search.offset + search.limit})
    order by k.connection_id, k.position`.execute(db);
  const found = new Map<string, ConnectionMatches>();
  for (const row of rows) {
    let matches = found.get(row.connection_id);
    if (!matches) {
      matches = { total: Number(row.total), hits: [] };
      found.set(row.connection_id, matches);
    }
    const position = Number(row.position);
    if (position <= (fromStart.includes(row.connection_id) ? 0 : search.offset)) continue;
    matches.hits.push({
      connection_id: row.connection_id,
      entity: row.entity,
      external_id: row.external_id,
      data: typeof row.data === 'string' ? JSON.parse(row.data) : row.data,
      updated_at: row.updated_at,
      score: Number(row.score),
      position,
    });
  }
  return found;
}

/** A record by its key within a connection. */
export interface RecordKey {
  entity: string;
  external_id: string;
}

/** Which of `keys` the connection holds as records (deleted ones left out). */
export async function storedRecordKeys(
  db: Db,
  target: { orgId: string; connectionId: string },
  keys: readonly RecordKey[],
): Promise<RecordKey[]> {
  if (keys.length === 0) return [];
  const list = JSON.stringify(keys.map((key) => [key.entity, key.external_id]));
  const wanted = isPostgres(db)
    ? sql`select k ->> 0, k ->> 1 from jsonb_array_elements(${list}::jsonb) as k`
    : sql`select value ->> 0, value ->> 1 from json_each(${list})`;
  const { rows } = await sql<RecordKey>`select entity, external_id from sync_records
    where org_id = ${target.orgId} and connection_id = ${target.connectionId} and deleted_at is null
      and (entity, external_id) in (${wanted})`.execute(db);
  return rows;
}

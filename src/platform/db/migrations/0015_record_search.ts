import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from '../column-types.js';
import type { SchemaMigration } from './index.js';

/**
 * Full-text search over the synced records (modules/search), kept by the database itself as
 * records are written, changed, marked deleted and deleted (a connection's deletion cascades).
 * What is indexed is every string and number value of a record's JSON, never its keys; a record
 * marked deleted is not indexed. Words are runs of letters and digits (Unicode), case-folded, accents
 * kept, on both dialects (SQLite's unicode61 tokenizer; PostgreSQL's `simple` configuration over the
 * values with punctuation turned into spaces), so that a query finds the same records on both.
 * Existing records are indexed here.
 */
export const recordSearch: SchemaMigration = {
  async up(db, t) {
    if (t.dialect === 'postgres') await createPostgresRecordSearch(db);
    else await db.transaction().execute((tx) => sqliteSearch(tx, t));
  },
};

/**
 * A stored generated column (computed on insert and on updates of `data` or `deleted_at` only:
 * marking a record seen does not recompute it) and a GIN index on it. JSON escapes (`\n`, `\"`,
 * `\u0001`) and punctuation become spaces before the `simple` parser splits the text into words,
 * as SQLite's tokenizer does: `alice@acme.com` is the words `alice acme com`. Exported for the
 * search benchmark, which measures a sync with and without it.
 */
export async function createPostgresRecordSearch<DB>(db: Kysely<DB>) {
  const values = sql.raw(
    `jsonb_path_query_array(data, 'strict $.** ? (@.type() == "string" || @.type() == "number")')::text`,
  );
  const separators = sql.raw(String.raw`'\\[bfnrt"\\/]|\\u[0-9a-fA-F]{4}|[[:punct:]]'`);
  await sql`alter table sync_records add column search_vector tsvector generated always as (
    case when deleted_at is null
      then to_tsvector('simple', regexp_replace(${values}, ${separators}, ' ', 'g')) end
  ) stored`.execute(db);
  await sql`create index sync_records_search_idx on sync_records using gin (search_vector)`.execute(db);
}

/** A record's indexed text on SQLite: its string and number values, in document order. */
export const sqliteRecordText = (data: string) =>
  `(select group_concat(value, ' ') from json_tree(${data}) where type in ('text', 'integer', 'real'))`;

/**
 * The FTS5 table and the triggers that keep it, over the records table. Exported for the search
 * benchmark, which measures a sync with and without them.
 */
export const SQLITE_SEARCH_TRIGGERS = [
  `create trigger sync_records_fts_insert after insert on sync_records
    when new.deleted_at is null begin
      insert into sync_records_fts (rowid, body) values (new.rowid, ${sqliteRecordText('new.data')});
    end`,
  `create trigger sync_records_fts_delete after delete on sync_records
    when old.deleted_at is null begin
      insert into sync_records_fts (sync_records_fts, rowid, body)
        values ('delete', old.rowid, ${sqliteRecordText('old.data')});
    end`,
  // Not on every update: a sync marks each record it sees (last_seen_run_id), which changes nothing
  // searchable.
  `create trigger sync_records_fts_update after update of data, deleted_at on sync_records begin
      insert into sync_records_fts (sync_records_fts, rowid, body)
        select 'delete', old.rowid, ${sqliteRecordText('old.data')} where old.deleted_at is null;
      insert into sync_records_fts (rowid, body)
        select new.rowid, ${sqliteRecordText('new.data')} where new.deleted_at is null;
    end`,
];

/** Indexes every live record: the migration's start, and the benchmark's after it dropped the triggers. */
export const SQLITE_INDEX_EXISTING = `insert into sync_records_fts (rowid, body)
  select rowid, ${sqliteRecordText('data')} from sync_records where deleted_at is null`;

/**
 * An external-content FTS5 table whose content is a view of the records' indexed text, kept by
 * triggers. FTS5 refers to records by rowid, which VACUUM renumbers in a table without an INTEGER
 * PRIMARY KEY: the records table is rebuilt with one (its key stays unique). FTS5's 'rebuild'
 * cannot read the view (it scans content without virtual tables, and json_tree is one): existing
 * records are indexed with the triggers' own expression instead.
 */
async function sqliteSearch(db: Kysely<unknown>, t: ColumnTypes) {
  await db.schema
    .createTable('sync_records_next')
    // Named rowid, it is the table's rowid: what the index refers to, kept through VACUUM.
    .addColumn('rowid', 'integer', (c) => c.primaryKey())
    .addColumn('connection_id', t.id, (c) =>
      c.notNull().references('integration_connections.id').onDelete('cascade'),
    )
    .addColumn('entity', t.text, (c) => c.notNull())
    .addColumn('external_id', t.text, (c) => c.notNull())
    .addColumn('org_id', t.id, (c) => c.notNull())
    .addColumn('content_hash', t.text, (c) => c.notNull())
    .addColumn('data', t.json, (c) => c.notNull())
    .addColumn('last_seen_run_id', t.id, (c) => c.notNull())
    .addColumn('deleted_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('sync_records_pk', ['connection_id', 'entity', 'external_id'])
    .execute();
  const columns = sql.raw(
    'connection_id, entity, external_id, org_id, content_hash, data, last_seen_run_id, deleted_at, created_at, updated_at',
  );
  await sql`insert into sync_records_next (${columns}) select ${columns} from sync_records`.execute(db);
  await sql`drop table sync_records`.execute(db);
  await sql`alter table sync_records_next rename to sync_records`.execute(db);

  await sql
    .raw(
      `create view sync_records_search_text as
        select rowid as record_rowid, ${sqliteRecordText('data')} as body
        from sync_records where deleted_at is null`,
    )
    .execute(db);
  await sql`create virtual table sync_records_fts using fts5(body, content = 'sync_records_search_text',
    content_rowid = 'record_rowid', tokenize = 'unicode61 remove_diacritics 0')`.execute(db);
  for (const trigger of SQLITE_SEARCH_TRIGGERS) await sql.raw(trigger).execute(db);
  await sql.raw(SQLITE_INDEX_EXISTING).execute(db);
}

import { type Dialect, Kysely, type Migration, Migrator, PostgresAdapter, sql } from 'kysely';
import type { Config } from '../../config.js';
import { columnTypes } from './column-types.js';
import { CommitSignal, watchingCommits } from './commit-signal.js';
import { migrations } from './migrations/index.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import type { SqliteWriteLock } from './sqlite-write-lock.js';
import type { Tables } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';
export type Db = Kysely<Tables>;

/** Whether `db` (a database, or a transaction on one) is PostgreSQL. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export interface Database {
  readonly db: Db;
  readonly dialect: DialectName;
  /** A SQLite database's file, and the lock its other connections in this process take turns by. */
  readonly sqlite?: { readonly file: string; readonly writeLock: SqliteWriteLock };
  /** Tells listeners when inserts into a table have committed (see commit-signal.ts). */
  readonly commits: CommitSignal;
  /** Throws when the database cannot answer a trivial query. */
  ping(): Promise<void>;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Migrations the code knows and the database has not applied. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

export function openDatabase(options: Config['database']): Database {
  const name: DialectName = options.kind;
  let dialect: Dialect;
  let sqlite: Database['sqlite'];
  if (options.kind === 'postgres') {
    dialect = openPostgres(options).dialect;
  } else {
    const opened = openSqlite(options.file);
    dialect = opened.dialect;
    sqlite = { file: options.file, writeLock: opened.writeLock };
  }
  const commits = new CommitSignal();
  const db = new Kysely<Tables>({ dialect: watchingCommits(dialect, commits) });
  const types = columnTypes(name);
  const migrator = new Migrator({
    db,
    // Kysely finds its bookkeeping tables in any schema; pin them to ours when we have one.
    ...(options.kind === 'postgres' && options.schema ? { migrationTableSchema: options.schema } : {}),
    provider: {
      async getMigrations() {
        const list: Record<string, Migration> = {};
        for (const [key, m] of Object.entries(migrations)) {
          list[key] = { up: (k: Kysely<unknown>) => m.up(k, types) };
        }
        return list;
      },
    },
  });
  let closed = false;

  return {
    db,
    dialect: name,
    commits,
    ...(sqlite ? { sqlite } : {}),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async migrate() {
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error;
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async pendingMigrations() {
      return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

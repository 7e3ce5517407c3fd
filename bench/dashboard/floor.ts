// The floor under an endpoint: the SQL it runs (captured, see capture.ts), replayed straight through
// the database's driver (better-sqlite3, pg) with nothing of Switchboard around it, in the order the
// service runs it. And, where a target is missed, the database's plan for each statement.
import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { sessionSettings } from '../../src/platform/db/postgres.js';
import { preparedName } from '../../src/platform/db/prepared-statements.js';
import { openSqliteConnection } from '../../src/platform/db/sqlite.js';
import type { Read, Reads } from './capture.js';
import { POOL_MAX } from './switchboard.js';

export interface RawDriver {
  /** Runs one read's statements one after another, reading every row. */
  run(read: Read): Promise<void>;
  /** The database's plan of a statement, line by line (PostgreSQL's as it ran: EXPLAIN ANALYZE). */
  explain(query: CompiledQuery): Promise<string[]>;
  close(): Promise<void>;
}

/** The endpoint's reads as its service makes them: stage after stage, a stage's reads side by side. */
export async function runReads(driver: RawDriver, reads: Reads): Promise<void> {
  for (const stage of reads) await Promise.all(stage.map((read) => driver.run(read)));
}

// better-sqlite3 refuses booleans; the service's driver sends them as 0/1 (platform/db/sqlite.ts).
const sqliteParameters = (query: CompiledQuery) =>
  query.parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

function sqliteDriver(file: string): RawDriver {
  // The settings of the service's own connections to the file.
  const db = openSqliteConnection(file);
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  return {
    async run(read) {
      for (const query of read.queries) prepared(query.sql).all(...sqliteParameters(query));
    },
    async explain(query) {
      const rows = db.prepare(`explain query plan ${query.sql}`).all(...sqliteParameters(query)) as {
        id: number;
        parent: number;
        detail: string;
      }[];
      const depth = new Map<number, number>([[0, 0]]);
      return rows.map((row) => {
        const d = (depth.get(row.parent) ?? 0) + 1;
        depth.set(row.id, d);
        return `${'  '.repeat(d - 1)}${row.detail}`;
      });
    },
    async close() {
      db.close();
    },
  };
}

function postgresDriver(url: string): RawDriver {
  // As the service's pool connects (platform/db/postgres.ts), and as many connections.
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX, options: sessionSettings() });
  return {
    async run(read) {
      for (const query of read.queries) {
        const values = [...query.parameters];
        // The statements the service prepares run prepared here too; the others as it sends them.
        const name = preparedName(query.sql);
        await pool.query(name ? { name, text: query.sql, values } : { text: query.sql, values });
      }
    },
    async explain(query) {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.sql}`, [
        ...query.parameters,
      ]);
      return rows.map((row) => row['QUERY PLAN']);
    },
    async close() {
      await pool.end();
    },
  };
}

export function rawDriver(database: Config['database']): RawDriver {
  return database.kind === 'postgres' ? postgresDriver(database.url) : sqliteDriver(database.file);
}

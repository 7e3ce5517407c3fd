import { type CompiledQuery, type Dialect, Kysely } from 'kysely';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/platform/db/database.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { openSqlite } from '../../src/platform/db/sqlite.js';
import type { Tables } from '../../src/platform/db/tables.js';

/** One call of an owner's storage function, and the SQL it ran (compiled, with its parameters). */
export interface Read {
  name: string;
  queries: CompiledQuery[];
}

/**
 * An endpoint's reads as its service makes them: stages one after another, the reads of a stage
 * side by side (its Promise.all).
 */
export type Reads = Read[][];

/**
 * A database handle on the service's database, with the project's own dialect, that records the SQL
 * each read runs: the bench calls the owners' storage functions through it, so the floor replays
 * exactly the statements the endpoint runs, and follows them when their owners change them.
 */
export class Capture {
  readonly db: Db;
  #into: CompiledQuery[] | undefined;

  constructor(dialect: Dialect) {
    this.db = new Kysely<Tables>({
      dialect,
      log: (event) => {
        if (event.level === 'query') this.#into?.push(event.query);
      },
    });
  }

  /** Calls `fn`, alone (reads side by side would mix their SQL), and names what it ran. */
  async read<T>(name: string, fn: (db: Db) => Promise<T>): Promise<{ value: T; read: Read }> {
    const queries: CompiledQuery[] = [];
    this.#into = queries;
    try {
      return { value: await fn(this.db), read: { name, queries } };
    } finally {
      this.#into = undefined;
    }
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

export function openCapture(database: Config['database']): Capture {
  return new Capture(
    database.kind === 'postgres'
      ? openPostgres({ ...database, poolMax: 2 }).dialect
      : openSqlite(database.file).dialect,
  );
}

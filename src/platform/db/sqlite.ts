import BetterSqlite3 from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  SqliteQueryCompiler,
  type SqliteStatement,
} from 'kysely';
import { createPrivateFile } from '../private-files.js';
import { SQLITE_JSON_TYPE } from './column-types.js';
import { encodingJsonParameters } from './json-parameters.js';
import { SqliteWriteLock } from './sqlite-write-lock.js';

type Row = Record<string, unknown>;
type Decoder = (value: unknown) => unknown;

// SQLite has no JSON or boolean storage class; the declared column type tells us how to read a value back.
function decoderFor(declaredType: string | null): Decoder | undefined {
  const type = declaredType?.toUpperCase();
  if (type === SQLITE_JSON_TYPE) return (v) => (typeof v === 'string' ? JSON.parse(v) : v);
  if (type === 'BOOLEAN') return (v) => (v === null ? null : v === 1 || v === 1n);
  return undefined;
}

// better-sqlite3 refuses JS booleans as parameters; store them as 0/1 as SQLite itself does.
function encodeParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

class DecodingStatement implements SqliteStatement {
  readonly reader: boolean;
  #decoders: [string, Decoder][] | undefined;

  constructor(private readonly stmt: BetterSqlite3.Statement) {
    this.reader = stmt.reader;
  }

  #decode(row: Row): Row {
    if (this.#decoders === undefined) {
      this.#decoders = [];
      for (const column of this.stmt.columns()) {
        const decoder = decoderFor(column.type);
        if (decoder) this.#decoders.push([column.name, decoder]);
      }
    }
    for (const [name, decode] of this.#decoders) row[name] = decode(row[name]);
    return row;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return (this.stmt.all(...encodeParameters(parameters)) as Row[]).map((r) => this.#decode(r));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(...encodeParameters(parameters));
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    for (const row of this.stmt.iterate(...encodeParameters(parameters))) yield this.#decode(row as Row);
  }
}

/** better-sqlite3 behind Kysely's SqliteDatabase contract, with prepared statements cached by SQL text. */
class DecodingDatabase implements SqliteDatabase {
  #statements = new Map<string, DecodingStatement>();
  static readonly cacheSize = 500;

  constructor(readonly raw: BetterSqlite3.Database) {}

  prepare(sql: string): SqliteStatement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      if (this.#statements.size >= DecodingDatabase.cacheSize) this.#statements.clear();
      stmt = new DecodingStatement(this.raw.prepare(sql));
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    this.#statements.clear();
    this.raw.close();
  }
}

/** Kysely's driver, taking the process's write lock for as long as it holds its connection. */
class LockingSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly lock: SqliteWriteLock,
  ) {
    super(config);
  }

  // Kysely's own mutex first: the main thread then has one waiter at most on the shared lock.
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    await this.lock.acquire();
    return connection;
  }

  override async releaseConnection(): Promise<void> {
    this.lock.release();
    await super.releaseConnection();
  }
}

const JsonSqliteQueryCompiler = encodingJsonParameters(SqliteQueryCompiler);

/** SQLite as Switchboard's queries expect it: objects and arrays sent as JSON text. */
export class JsonSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new JsonSqliteQueryCompiler();
  }
}

class LockingSqliteDialect extends JsonSqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly lock: SqliteWriteLock,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new LockingSqliteDriver(this.config, this.lock);
  }
}

/** The settings every connection to the file gets, the main thread's and the writer thread's. */
export function openSqliteConnection(file: string): BetterSqlite3.Database {
  // SQLite gives the -wal and -shm files the database file's mode.
  if (file !== ':memory:') createPrivateFile(file);
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  // Other processes on the file (CLI commands); threads of this one take turns by the write lock.
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  return raw;
}

export function openSqlite(file: string): { dialect: SqliteDialect; writeLock: SqliteWriteLock } {
  const raw = openSqliteConnection(file);
  const writeLock = new SqliteWriteLock();
  return { dialect: new LockingSqliteDialect({ database: new DecodingDatabase(raw) }, writeLock), writeLock };
}

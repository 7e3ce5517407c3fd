import { setImmediate as nextTurn } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
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
  /** Whether the statement leaves the database as it is (SQLite's sqlite3_stmt_readonly). */
  readonly readonly: boolean;
  #decoders: [string, Decoder][] | undefined;

  constructor(private readonly stmt: BetterSqlite3.Statement) {
    this.reader = stmt.reader;
    this.readonly = stmt.readonly;
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

  prepare(sql: string): DecodingStatement {
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

/**
 * Kysely's driver for the main thread's one connection to the file, taking the process's write lock
 * (sqlite-write-lock.ts) only to write. In WAL mode a reader works on the last committed snapshot
 * beside a writer on another connection: it neither waits for the record thread's transactions nor
 * meets SQLITE_BUSY. So:
 * - a statement outside a transaction that only reads (SQLite's own verdict on the prepared
 *   statement) runs at once: API reads never wait for sync writes;
 * - a statement outside a transaction that writes takes the lock for that statement;
 * - a transaction takes the lock before `begin` and frees it after its end: two writers on the file
 *   never meet, so no thread sleeps in SQLite's busy handler. Reads wait while one is open, as they
 *   would otherwise run inside it on this one connection (and see what it may roll back).
 * Since better-sqlite3 runs each statement to its end before returning, nothing else is needed to
 * keep statements apart: Kysely's own per-connection mutex is not used.
 * For the same reason a write never yields to the event loop, so each waits for a turn of it
 * before taking the lock: callers writing one after another (a burst of sync triggers, of run
 * claims and ends) would otherwise hold timers and requests until the whole burst is done.
 */
class WriteLockingDriver extends SqliteDriver {
  /** Settles when the transaction open on the connection ends; undefined while none is. */
  #transaction: { ended: Promise<void>; end: () => void } | undefined;

  constructor(
    private readonly database: DecodingDatabase,
    private readonly lock: SqliteWriteLock,
  ) {
    super({ database });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return new WriteLockingConnection(this.database, this);
  }

  override async releaseConnection(): Promise<void> {}

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#acquire();
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.#transaction = { ended, end };
    (connection as WriteLockingConnection).inTransaction = true;
    try {
      await super.beginTransaction(connection);
    } catch (error) {
      this.#ended(connection);
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      this.#ended(connection);
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#ended(connection);
    }
  }

  /** Resolves once no transaction is open on the connection. */
  async outsideTransactions(): Promise<void> {
    while (this.#transaction) await this.#transaction.ended;
  }

  /** Runs `statement` holding the write lock. */
  async locked<T>(statement: () => T): Promise<T> {
    await this.#acquire();
    try {
      return statement();
    } finally {
      this.lock.release();
    }
  }

  /** The write lock, on a later turn of the event loop (see the class's comment). */
  async #acquire(): Promise<void> {
    await nextTurn();
    await this.lock.acquire();
  }

  #ended(connection: DatabaseConnection): void {
    (connection as WriteLockingConnection).inTransaction = false;
    const transaction = this.#transaction;
    this.#transaction = undefined;
    this.lock.release();
    transaction?.end();
  }
}

/** One use of the connection (a statement, or a transaction), as Kysely acquires it. */
class WriteLockingConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(
    private readonly database: DecodingDatabase,
    private readonly driver: WriteLockingDriver,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.database.prepare(query.sql);
    // The transaction holds the lock, and the connection, already.
    if (this.inTransaction) return run(statement, query);
    if (statement.readonly) {
      await this.driver.outsideTransactions();
      return run(statement, query);
    }
    return this.driver.locked(() => run(statement, query));
  }

  // Nothing streams; one chunk keeps the statement from being busy while other queries run.
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(query);
  }
}

function run<R>(statement: DecodingStatement, { parameters }: CompiledQuery): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

const JsonSqliteQueryCompiler = encodingJsonParameters(SqliteQueryCompiler);

/** SQLite as Switchboard's queries expect it: objects and arrays sent as JSON text. */
export class JsonSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new JsonSqliteQueryCompiler();
  }
}

class WriteLockingDialect extends JsonSqliteDialect {
  constructor(
    private readonly database: DecodingDatabase,
    private readonly lock: SqliteWriteLock,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new WriteLockingDriver(this.database, this.lock);
  }
}

const SQLITE_MMAP_BYTES = 1024 ** 3;

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
  // Reads of a file larger than SQLite's 2 MB page cache (a search joining every match to its
  // record, the dashboard's week of runs) map its pages instead of copying each one in.
  raw.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  return raw;
}

export function openSqlite(file: string): { dialect: SqliteDialect; writeLock: SqliteWriteLock } {
  const raw = openSqliteConnection(file);
  const writeLock = new SqliteWriteLock();
  return { dialect: new WriteLockingDialect(new DecodingDatabase(raw), writeLock), writeLock };
}

import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  InsertQueryNode,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

type Listener = () => void;

/**
 * Tells listeners that rows inserted into a table are visible to other connections: after the
 * transaction that inserted them commits (never when it rolls back), or at once for an insert made
 * outside a transaction. What inserts the rows need not know who listens (the event outbox).
 */
export class CommitSignal {
  readonly #listeners = new Map<string, Set<Listener>>();

  /** Returns the function that stops listening. */
  on(table: string, listener: Listener): () => void {
    const set = this.#listeners.get(table) ?? new Set();
    set.add(listener);
    this.#listeners.set(table, set);
    return () => set.delete(listener);
  }

  watches(table: string): boolean {
    return (this.#listeners.get(table)?.size ?? 0) > 0;
  }

  emit(tables: Iterable<string>): void {
    for (const table of tables) for (const listener of this.#listeners.get(table) ?? []) listener();
  }
}

function insertedTable(query: CompiledQuery): string | undefined {
  const node = query.query;
  return InsertQueryNode.is(node) ? node.into?.table.identifier.name : undefined;
}

class WatchedConnection implements DatabaseConnection {
  /** Watched tables this connection's open transaction inserted into; undefined outside one. */
  written: Set<string> | undefined;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly signal: CommitSignal,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(query);
    const table = insertedTable(query);
    if (table !== undefined && this.signal.watches(table)) {
      if (this.written) this.written.add(table);
      else this.signal.emit([table]);
    }
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/** A driver handing out watched connections; every other call goes to the dialect's own driver. */
class WatchingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly signal: CommitSignal,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new WatchedConnection(await this.inner.acquireConnection(), this.signal);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const watched = connection as WatchedConnection;
    await this.inner.beginTransaction(watched.inner, settings);
    watched.written = new Set();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const watched = connection as WatchedConnection;
    await this.inner.commitTransaction(watched.inner);
    const written = watched.written;
    watched.written = undefined;
    if (written?.size) this.signal.emit(written);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const watched = connection as WatchedConnection;
    watched.written = undefined;
    await this.inner.rollbackTransaction(watched.inner);
  }

  // A rollback to a savepoint may undo a watched insert; the listeners are then told for nothing,
  // which costs a wasted read, never a missed one.
  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.savepoint?.((connection as WatchedConnection).inner, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.((connection as WatchedConnection).inner, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.((connection as WatchedConnection).inner, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as WatchedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** `dialect` with its connections watched for inserts that `signal`'s listeners wait on. */
export function watchingCommits(dialect: Dialect, signal: CommitSignal): Dialect {
  return {
    createDriver: () => new WatchingDriver(dialect.createDriver(), signal),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

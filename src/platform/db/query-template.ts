import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';
import { type Db, isPostgres } from './database.js';
import { encodeJsonParameter } from './json-parameters.js';
import { prepareStatement } from './prepared-statements.js';

/** Where each parameter of the compiled SQL comes from: a slot's value, or a constant of the query. */
type ParameterSource = { slot: number } | { constant: unknown };

/**
 * A query of a fixed shape, built and compiled once per dialect, then executed with new values in
 * its named slots. For statements on a hot path (the sync engine's per-page ones): building a Kysely
 * query and compiling it cost more than SQLite executing it, and
 * every page's throwaway query tree was garbage for the collector (bench/sync). On PostgreSQL it runs
 * as a prepared statement.
 */
export class QueryTemplate<Slot extends string> {
  readonly #compiled = new WeakMap<
    object,
    { sql: string; sources: ParameterSource[]; node: CompiledQuery['query'] }
  >();

  constructor(
    private readonly slots: readonly Slot[],
    /** The query, with `slot[name]` wherever a value goes. */
    private readonly build: (db: Db, slot: Record<Slot, string>) => Compilable,
  ) {}

  /** Runs the query with `values` in its slots (objects and arrays sent as JSON text, as every query sends them). */
  async execute<R>(db: Db, values: Record<Slot, unknown>): Promise<QueryResult<R>> {
    const { sql, sources, node } = this.#compile(db);
    // With the built query's node, not a raw one's: what watches queries sees what this one does
    // (the commit signal sees an insert into the event outbox).
    return db.executeQuery<R>({ ...CompiledQuery.raw(sql, this.#parameters(sources, values)), query: node });
  }

  /** The SQL in `db`'s dialect and the parameters for given values: to run it on a raw connection. */
  compiled(db: Db): { sql: string; parameters(values: Record<Slot, unknown>): unknown[] } {
    const { sql, sources } = this.#compile(db);
    return { sql, parameters: (values) => this.#parameters(sources, values) };
  }

  #parameters(sources: ParameterSource[], values: Record<Slot, unknown>): unknown[] {
    return sources.map((source) =>
      'slot' in source ? encodeJsonParameter(values[this.slots[source.slot]!]) : source.constant,
    );
  }

  // Keyed by the dialect's adapter: the same for a database and every transaction on it.
  #compile(db: Db) {
    const adapter = db.getExecutor().adapter;
    let compiled = this.#compiled.get(adapter);
    if (!compiled) {
      // Sentinels no real value can equal mark where each slot's parameter lands.
      const sentinels = this.slots.map((_, i) => `\u0000slot ${i}\u0000`);
      const slot = Object.fromEntries(this.slots.map((name, i) => [name, sentinels[i]])) as Record<
        Slot,
        string
      >;
      const query = this.build(db, slot).compile();
      const sources = query.parameters.map((p): ParameterSource => {
        const i = sentinels.indexOf(p as string);
        return i >= 0 ? { slot: i } : { constant: p };
      });
      const missing = this.slots.filter((_, i) => !sources.some((s) => 'slot' in s && s.slot === i));
      if (missing.length > 0) throw new Error(`query template: slots ${missing.join(', ')} not in the query`);
      compiled = { sql: query.sql, sources, node: query.query };
      if (isPostgres(db)) prepareStatement(query.sql);
      this.#compiled.set(adapter, compiled);
    }
    return compiled;
  }
}

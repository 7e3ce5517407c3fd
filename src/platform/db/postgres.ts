import {
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  PostgresQueryCompiler,
  type PostgresQueryResult,
  type QueryCompiler,
} from 'kysely';
import type pg from 'pg';
import { lazyRequire } from '../lazy-require.js';
import { encodingJsonParameters } from './json-parameters.js';
import { preparedName } from './prepared-statements.js';

const driver = () => lazyRequire('pg') as typeof pg;

const OID = { int8: 20, numeric: 1700, timestamp: 1114, timestamptz: 1184, date: 1082 } as const;

const toIso = (value: string) => new Date(value).toISOString();

// Values read back exactly as on SQLite: timestamps as ISO 8601 UTC strings, counts as numbers.
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  switch (oid) {
    case OID.int8:
    case OID.numeric:
      return Number;
    case OID.timestamptz:
      return toIso;
    case OID.timestamp:
      return (value) => toIso(`${value}Z`);
    case OID.date:
      return (value) => value;
    default:
      return driver().types.getTypeParser(oid, format ?? 'text');
  }
}

const JsonPostgresQueryCompiler = encodingJsonParameters(PostgresQueryCompiler);

class JsonPostgresDialect extends PostgresDialect {
  override createQueryCompiler(): QueryCompiler {
    return new JsonPostgresQueryCompiler();
  }
}

/**
 * The pool as Kysely sees it, running prepared SQL texts (prepared-statements.ts) by name. One
 * wrapper per pooled client: Kysely keeps a connection per client object it is given.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query<R>(
      what: string | PostgresCursor<R>,
      parameters?: ReadonlyArray<unknown>,
    ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
      // Kysely streams through a cursor only when the dialect is given one; this one is not.
      if (typeof what !== 'string') throw new Error('streaming query results is not configured');
      return run<R>(what, [...(parameters ?? [])]);
    }
    async function run<R>(text: string, values: unknown[]): Promise<PostgresQueryResult<R>> {
      const name = preparedName(text);
      const result = await client.query<R & pg.QueryResultRow>(
        name ? { name, text, values } : { text, values },
      );
      // Kysely reads the command only to tell what kind of statement ran.
      return {
        command: result.command as PostgresQueryResult<R>['command'],
        rowCount: result.rowCount ?? 0,
        rows: result.rows,
      };
    }
    return { query, release: () => client.release() };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

export interface PostgresOptions {
  url: string;
  poolMax: number;
  /** Schema to use instead of `public` (tests give each run its own). */
  schema?: string;
}

/**
 * What every connection's session is set to, as startup options. No JIT: compiling a query the
 * planner costs high (a broad search, a week of runs) took ~50 ms, longer than Switchboard's queries
 * run (bench/dashboard).
 */
export function sessionSettings(schema?: string): string {
  return `-c TimeZone=UTC -c jit=off${schema ? ` -c search_path=${schema}` : ''}`;
}

/**
 * The URL without its `options` parameter, and those options: `pg` lets a URL's options replace the
 * ones it is given, which would drop the session's UTC (the dashboard's hours) and its settings.
 */
function splitOptions(url: string): { url: string; options: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (a keyword=value string): pg reads it as it is.
    return { url, options: undefined };
  }
  const options = parsed.searchParams.get('options') ?? undefined;
  if (options === undefined) return { url, options };
  parsed.searchParams.delete('options');
  return { url: parsed.toString(), options };
}

export function openPostgres(options: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const { url, options: urlOptions } = splitOptions(options.url);
  const pool = new (driver().Pool)({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // The URL's own first: Switchboard's come after, and win where both set one.
    options: [urlOptions, sessionSettings(options.schema)].filter(Boolean).join(' '),
    types: { getTypeParser: getTypeParser as typeof pg.types.getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return { dialect: new JsonPostgresDialect({ pool: preparingPool(pool) }), pool };
}

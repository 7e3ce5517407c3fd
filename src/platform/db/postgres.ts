import { PostgresDialect, PostgresQueryCompiler, type QueryCompiler } from 'kysely';
import type pg from 'pg';
import { lazyRequire } from '../lazy-require.js';
import { encodingJsonParameters } from './json-parameters.js';

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

export interface PostgresOptions {
  url: string;
  poolMax: number;
  /** Schema to use instead of `public` (tests give each run its own). */
  schema?: string;
}

export function openPostgres(options: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new (driver().Pool)({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    options: `-c TimeZone=UTC${options.schema ? ` -c search_path=${options.schema}` : ''}`,
    types: { getTypeParser: getTypeParser as typeof pg.types.getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return { dialect: new JsonPostgresDialect({ pool }), pool };
}

import type { DefaultQueryCompiler } from 'kysely';

function isJsonValue(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A parameter as queries send it: plain objects and arrays as JSON text, the rest as they are. */
export const encodeJsonParameter = (value: unknown) => (isJsonValue(value) ? JSON.stringify(value) : value);

/**
 * A dialect's query compiler that sends plain objects and arrays as JSON text on both dialects (pg
 * would otherwise turn an array into a Postgres array literal, and better-sqlite3 refuses objects).
 * Done where each value becomes a parameter: a Kysely plugin doing it rebuilt and froze every query's
 * whole tree first, which cost as much as compiling it (bench/sync runs per second profile).
 */
export function encodingJsonParameters(
  Compiler: new () => DefaultQueryCompiler,
): new () => DefaultQueryCompiler {
  return class extends Compiler {
    protected override appendValue(parameter: unknown): void {
      super.appendValue(encodeJsonParameter(parameter));
    }
  };
}

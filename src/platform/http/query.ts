import { AppError } from '../errors.js';

/** A 400 naming a query parameter the schema let through but the route cannot use. */
export function invalidQuery(field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', `Invalid querystring: ${field} ${message}`, {
    fields: [{ field, location: 'querystring', message }],
  });
}

/**
 * A time parameter in the stored form (UTC, milliseconds), whatever offset the client wrote: SQLite
 * compares timestamps as text. The date-time format admits leap seconds, which Date cannot hold.
 */
export function queryInstant(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) throw invalidQuery(field, 'is not a representable time');
  return new Date(time).toISOString();
}

import { InvalidFieldsError } from '../../platform/errors.js';
import type { FieldValue } from '../sync/storage/widget-reads.js';

/** How far back the activity widget reaches, by `time_range`. */
export const TIME_RANGES = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};
export type TimeRange = keyof typeof TIME_RANGES;

const isScalar = (value: unknown): value is FieldValue =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/**
 * The data widget's `filters`: a JSON object of top-level fields, each equal to a JSON scalar
 * (`{"status":"active","is_admin":true}`). Anything else is a 400 naming `filters`.
 */
export function parseFilters(text: string | undefined): Record<string, FieldValue> {
  if (text === undefined) return {};
  const refuse = (message: string) => new InvalidFieldsError([{ field: 'filters', message }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refuse('is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw refuse('must be a JSON object of field names and values');
  }
  const filters: Record<string, FieldValue> = {};
  for (const [field, value] of Object.entries(parsed)) {
    if (!isScalar(value)) throw refuse(`value of "${field}" must be a string, number, boolean or null`);
    filters[field] = value;
  }
  return filters;
}

/** The data widget's `fields`, repeated (`fields=a&fields=b`) or comma-separated (`fields=a,b`). */
export function parseFields(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const fields = values.flatMap((value) => value.split(',')).map((field) => field.trim());
  if (fields.some((field) => field === '')) {
    throw new InvalidFieldsError([{ field: 'fields', message: 'must not name an empty field' }]);
  }
  return [...new Set(fields)];
}

/** The record with only the named top-level fields (those it has), or whole when none are named. */
export function project(record: Record<string, unknown>, fields: readonly string[] | undefined) {
  if (fields === undefined) return record;
  return Object.fromEntries(
    fields.filter((field) => Object.hasOwn(record, field)).map((f) => [f, record[f]]),
  );
}

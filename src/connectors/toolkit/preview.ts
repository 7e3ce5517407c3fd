import type { JSONSchema } from 'json-schema-to-ts';
import type { StoredRecords } from '../sdk.js';

// Helpers for connectors' previews (spec §7): counts over a sync's stored records.

/** A share in percent with one decimal, or null when there is nothing to share. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}

/** Counts the records of `entity` that each named test accepts, and the total. */
export async function countRecords<K extends string>(
  records: StoredRecords,
  entity: string,
  tests: Record<K, (record: Record<string, unknown>) => boolean>,
): Promise<Record<K | 'total', number>> {
  const counts = { total: 0 } as Record<K | 'total', number>;
  const names = Object.keys(tests) as K[];
  for (const name of names) counts[name] = 0;
  for await (const record of records.each(entity)) {
    counts.total += 1;
    for (const name of names) if (tests[name](record)) counts[name] += 1;
  }
  return counts;
}

/** The JSON Schema of a preview's section of counts (`total` and each named count), plus `extra` fields. */
export function countsSchema(names: readonly string[], extra: Record<string, JSONSchema> = {}): JSONSchema {
  const count = { type: 'integer', minimum: 0 } as const;
  return {
    type: 'object',
    required: [...names, ...Object.keys(extra)],
    additionalProperties: false,
    properties: { ...Object.fromEntries(names.map((name) => [name, count])), ...extra },
  };
}

/** The JSON Schema of a `percent` (null when there is nothing to share). */
export const percentSchema: JSONSchema = {
  type: ['number', 'null'],
  minimum: 0,
  maximum: 100,
  description: 'Percent with one decimal; null when there is nothing to count',
};

/** The JSON Schema of a whole preview: its sections, each required. */
export function previewSchemaOf(sections: Record<string, JSONSchema>): JSONSchema {
  return {
    type: 'object',
    required: Object.keys(sections),
    additionalProperties: false,
    properties: sections,
  };
}

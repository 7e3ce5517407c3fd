/** The preview: how many records of each entity the last completed sync stored (never the API). */
import type { JSONSchema } from 'json-schema-to-ts';
import type { StoredRecords } from '../sdk.js';
import { countRecords } from '../toolkit/preview.js';
import type { CustomHttpConfig } from './schema.js';

export const customHttpPreviewSchema = {
  type: 'object',
  required: ['total_records', 'entities'],
  additionalProperties: false,
  properties: {
    total_records: { type: 'integer', minimum: 0 },
    entities: {
      type: 'object',
      description: 'Each entity of the config by name.',
      additionalProperties: {
        type: 'object',
        required: ['records'],
        additionalProperties: false,
        properties: { records: { type: 'integer', minimum: 0 } },
      },
    },
  },
} as const satisfies JSONSchema;

export async function customHttpPreview(records: StoredRecords, config: CustomHttpConfig) {
  const entities: Record<string, { records: number }> = {};
  let total = 0;
  for (const { name } of config.entities) {
    const { total: count } = await countRecords(records, name, {});
    entities[name] = { records: count };
    total += count;
  }
  return { total_records: total, entities };
}

/**
 * A page's items as records (each with an id at the entity's id_field) or failed items, and the
 * greatest value of the incremental field.
 */
import type { FailedItem, SyncRecord } from '../sdk.js';
import { isRecord, kindOf, valueAt } from './json-path.js';
import type { EntityConfig } from './schema.js';

export interface PageRecords {
  records: SyncRecord[];
  failed: FailedItem[];
}

function failure(entity: EntityConfig, position: number, error: string): FailedItem {
  return { item: `${entity.name} #${position}`, error, details: { entity: entity.name, position } };
}

/** `items`, the page's, the first at `position` (1-based) in the listing. */
export function recordsOf(entity: EntityConfig, items: unknown[], position: number): PageRecords {
  const idField = entity.id_field ?? 'id';
  const records: SyncRecord[] = [];
  const failed: FailedItem[] = [];
  for (const [index, item] of items.entries()) {
    const at = position + index;
    if (!isRecord(item)) {
      failed.push(failure(entity, at, `is ${kindOf(item)}, not a JSON object`));
      continue;
    }
    const id = valueAt(item, idField);
    if ((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id))) {
      records.push({ id: String(id), data: item });
    } else {
      failed.push(failure(entity, at, `has no id at "${idField}" (${kindOf(id)})`));
    }
  }
  return { records, failed };
}

/** An incremental field's value: numbers compare as numbers, anything else as text (ISO 8601 times). */
export type Mark = string | number;

function markOf(value: unknown): Mark | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return typeof value === 'string' && value !== '' ? value : null;
}

function greater(a: Mark, b: Mark): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a > b : String(a) > String(b);
}

/** The greatest of `high` and the records' values at `field`. */
export function highestMark(high: Mark | null, records: SyncRecord[], field: string): Mark | null {
  let highest = high;
  for (const record of records) {
    const mark = markOf(valueAt(record.data, field));
    if (mark !== null && (highest === null || greater(mark, highest))) highest = mark;
  }
  return highest;
}

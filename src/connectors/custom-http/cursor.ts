/**
 * An entity's cursor: where its listing resumes (null once listed to the end) and the greatest
 * incremental value seen, which the next incremental listing starts from.
 */
import type { SyncContext } from '../sdk.js';
import { isRecord } from './json-path.js';
import type { Mark } from './records.js';
import type { EntityConfig } from './schema.js';

export interface EntityCursor {
  next: string | null;
  high: Mark | null;
}

export function parseCursor(text: string | undefined): EntityCursor | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value)) return null;
    const { next, high } = value;
    if (next !== null && typeof next !== 'string') return null;
    if (high !== null && typeof high !== 'string' && typeof high !== 'number') return null;
    return { next, high };
  } catch {
    return null;
  }
}

export const cursorText = (cursor: EntityCursor) => JSON.stringify(cursor);

/** Where an entity's listing starts this run. */
export type Plan =
  /** Listed to its end by an earlier attempt of this full sync. */
  | { done: true }
  /** `resume`: the request an interrupted listing goes on from; else from the start, since `since`. */
  | { done: false; resume: string | null; since: string | null; high: Mark | null };

export function planListing(ctx: SyncContext<unknown>, entity: EntityConfig): Plan {
  const saved = parseCursor(ctx.cursors[entity.name]);
  // A full sync's cursors are its own earlier attempts'; an incremental run's, the last run's.
  if (saved?.next === null && ctx.fullSync) return { done: true };
  const high = entity.incremental ? (saved?.high ?? null) : null;
  if (saved?.next) return { done: false, resume: saved.next, since: null, high };
  return { done: false, resume: null, since: high === null ? null : String(high), high };
}

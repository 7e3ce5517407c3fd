/**
 * Where each entity resumes. A sync goes region after region and, in each, lists the rules, their
 * evaluation results, then the resources; each entity's cursor says how far it got:
 * `{region, done, step, next}`: every region before `region` is done; in `region`, `done`, or else
 * the `step` reached (rules: pages yielded; evaluations: the rule; resources: the resource type)
 * and, within it, the `next` token AWS gave (null: the step is over). After the last region the
 * cursor is COMPLETE: a full sync's later attempts skip the entity, an incremental run lists it
 * again from the start (AWS Config offers no change feed for these).
 */
import type { SyncContext } from '../sdk.js';

export const COMPLETE = 'complete';

export interface RegionCursor {
  region: string;
  done: boolean;
  step: string | null;
  next: string | null;
}

/** Where an entity stands in one region. */
export type Position =
  | { kind: 'start' }
  | { kind: 'done' }
  | { kind: 'resume'; step: string | null; next: string | null };

const START: Position = { kind: 'start' };
const DONE: Position = { kind: 'done' };

function parse(raw: string): RegionCursor | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { region, done, step, next } = value as Record<string, unknown>;
    if (typeof region !== 'string' || typeof done !== 'boolean') return null;
    if (!(step === null || typeof step === 'string') || !(next === null || typeof next === 'string'))
      return null;
    return { region, done, step, next };
  } catch {
    return null;
  }
}

/** Where `entity` stands in `region`, from the cursor the engine handed this attempt. */
export function positionIn(
  ctx: SyncContext<unknown>,
  entity: string,
  regions: string[],
  region: string,
): Position {
  const raw = ctx.cursors[entity];
  if (raw === undefined || raw === '') return START;
  if (raw === COMPLETE) return ctx.fullSync ? DONE : START;
  const cursor = parse(raw);
  // Not ours, or for regions the connection no longer has: start over.
  const at = cursor ? regions.indexOf(cursor.region) : -1;
  if (!cursor || at < 0) return START;
  const here = regions.indexOf(region);
  if (here < at) return DONE;
  if (here > at) return START;
  return cursor.done ? DONE : { kind: 'resume', step: cursor.step, next: cursor.next };
}

/** The cursor after a batch: `region` in progress, or finished (COMPLETE after the last region). */
export function cursorAt(region: string, step: string | null, next: string | null): string {
  return JSON.stringify({ region, done: false, step, next } satisfies RegionCursor);
}

export function regionDone(regions: string[], region: string): string {
  if (region === regions[regions.length - 1]) return COMPLETE;
  return JSON.stringify({ region, done: true, step: null, next: null } satisfies RegionCursor);
}

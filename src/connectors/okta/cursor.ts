import type { SyncContext } from '../sdk.js';

/** The cursor of an entity listed to its end. */
export const COMPLETE = 'complete';

export type Resume = { skip: true } | { skip: false; from: string | null };

/**
 * Where an entity listed in full each run (groups, applications, policies) starts. A full sync's
 * cursors are its own earlier attempts': a COMPLETE entity is done. An incremental run's are the
 * last run's: COMPLETE means list it again from the start (Okta gives these no change filter worth
 * the complexity: they are small). Any other cursor resumes an interrupted listing.
 */
export function resumeListing(ctx: SyncContext<unknown>, entity: string): Resume {
  const cursor = ctx.cursors[entity];
  if (cursor === undefined || cursor === '') return { skip: false, from: null };
  if (cursor === COMPLETE) return ctx.fullSync ? { skip: true } : { skip: false, from: null };
  return { skip: false, from: cursor };
}

import type { SyncBatch, SyncContext } from '../sdk.js';
import type { OktaConfig } from './definition.js';
import { APPLICATIONS, GROUPS, syncListing } from './directory.js';
import { syncPolicies } from './policies.js';
import { syncUsers } from './users.js';

/** Users (with factors), groups, applications, then policies (with rules), each resuming from its cursor. */
export async function* oktaSync(ctx: SyncContext<OktaConfig>): AsyncGenerator<SyncBatch> {
  ctx.signal.throwIfAborted();
  yield* syncUsers(ctx);
  yield* syncListing(ctx, GROUPS);
  yield* syncListing(ctx, APPLICATIONS);
  yield* syncPolicies(ctx);
}

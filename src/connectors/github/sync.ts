import type { SyncBatch, SyncContext } from '../sdk.js';
import { githubClient, type Wait } from './client.js';
import type { GitHubConfig } from './definition.js';
import { syncFailure } from './errors.js';
import { organizationBatch } from './organization.js';
import { syncMembers, syncOutsideCollaborators } from './people.js';
import { syncRepositories } from './repositories.js';

/**
 * Repositories, members, outside collaborators, then the organization with the two-factor evidence
 * (it needs what the people listings found). Each entity resumes from its own cursor.
 */
export async function* githubSync(ctx: SyncContext<GitHubConfig>, wait?: Wait): AsyncGenerator<SyncBatch> {
  ctx.signal.throwIfAborted();
  const client = githubClient(ctx, wait);
  const org = ctx.config.organization;
  let step = `Listing the repositories of ${org}`;
  try {
    yield* syncRepositories(client, ctx);
    step = `Listing the members of ${org}`;
    const members = yield* syncMembers(client, ctx);
    step = `Listing the outside collaborators of ${org}`;
    const outside = yield* syncOutsideCollaborators(client, ctx);
    step = `Reading the organization ${org}`;
    yield await organizationBatch(client, org, members, outside);
  } catch (error) {
    throw syncFailure(error, step, ctx.signal);
  }
}

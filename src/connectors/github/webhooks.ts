/**
 * What GitHub's webhook events do to a connection's records (an organization webhook, content type
 * `application/json`). An event changing what the sync stores has the record read again and stored
 * as the sync stores it (webhook-reads.ts); anything else is only recorded:
 *
 * - `repository`: `deleted` deletes; every other action (created, edited, renamed, publicized,
 *   privatized, archived, unarchived, transferred) reads the repository again; one transferred out
 *   of the organization is deleted.
 * - `branch_protection_rule`, `dependabot_alert`, `code_scanning_alert`, `security_and_analysis`:
 *   the repository's protection, open alert counts or Dependabot state changed: read it again.
 * - `push`: only the one creating the default branch (the first push to an empty repository) reads
 *   the repository again, as its protection can then apply. Other pushes move only `pushed_at`,
 *   which no preview or evidence reads, and re-reading a repository costs several requests (its
 *   protection and alert listings): a busy organization's pushes would spend the rate budget on it.
 * - `pull_request`: nothing the sync stores (a merge arrives as a `push` as well).
 * - `organization` `member_added`/`member_removed`: the member read again (one request, and the
 *   two-factor listing); `member` `added`/`removed` (repository collaborators): the outside
 *   collaborator found in the listing again, cheaper than the incremental sync a `sync` effect
 *   would run, which would not see a removal anyway.
 * - `ping` and every other event: recorded, no effect.
 */
import type { ConnectorContext, ConnectorWebhooks, WebhookEffect, WebhookEvent } from '../sdk.js';
import { type GitHubClient, githubClient, type Wait } from './client.js';
import type { GitHubConfig } from './definition.js';
import { syncFailure } from './errors.js';
import { createsDefaultBranch, organizationLogin, repositoryOf, userAt } from './webhook-payload.js';
import { gone, readMember, readOutsideCollaborator, readRepository, sameLogin } from './webhook-reads.js';
import { githubEventOf, githubWebhookScheme } from './webhook-scheme.js';

type Ctx = ConnectorContext<GitHubConfig>;

/** `repository` actions after which the repository is read again (`deleted` deletes it). */
const REPOSITORY_CHANGES: ReadonlySet<string> = new Set([
  'created',
  'edited',
  'renamed',
  'publicized',
  'privatized',
  'archived',
  'unarchived',
  'transferred',
]);

/** Events whose every action changes a repository's security posture as the sync records it. */
const POSTURE_EVENTS: ReadonlySet<string> = new Set([
  'branch_protection_rule',
  'dependabot_alert',
  'code_scanning_alert',
  'security_and_analysis',
]);

async function effectsOf(
  name: string,
  action: string | undefined,
  payload: unknown,
  ctx: Ctx,
  client: () => GitHubClient,
): Promise<WebhookEffect[]> {
  const repository = repositoryOf(payload);
  if (name === 'repository' && repository) {
    if (action === 'deleted') return [gone('repositories', repository.id)];
    return action !== undefined && REPOSITORY_CHANGES.has(action)
      ? readRepository(ctx, client(), repository)
      : [];
  }
  if (POSTURE_EVENTS.has(name) && repository) return readRepository(ctx, client(), repository);
  if (name === 'push' && repository && createsDefaultBranch(payload, repository)) {
    return readRepository(ctx, client(), repository);
  }
  if (name === 'organization' && (action === 'member_added' || action === 'member_removed')) {
    const org = organizationLogin(payload);
    const user = userAt(payload, 'membership', 'user');
    if (!user || org === undefined || !sameLogin(org, ctx.config.organization)) return [];
    return readMember(ctx, client(), user);
  }
  if (name === 'member' && (action === 'added' || action === 'removed') && repository) {
    const user = userAt(payload, 'member');
    if (!user || !sameLogin(repository.owner, ctx.config.organization)) return [];
    return readOutsideCollaborator(ctx, client(), user);
  }
  return [];
}

/** GitHub's webhooks; `wait` is how Octokit's own waits are taken (tests record them). */
export function githubWebhooks(wait?: Wait): ConnectorWebhooks<GitHubConfig> {
  return {
    scheme: githubWebhookScheme,
    async handle(event: WebhookEvent, ctx: Ctx): Promise<WebhookEffect[]> {
      const github = githubEventOf(event.type);
      if (!github) return [];
      try {
        // Built only for an event that reads GitHub.
        return await effectsOf(github.name, github.action, event.payload, ctx, () => githubClient(ctx, wait));
      } catch (error) {
        throw syncFailure(error, `Reading what the GitHub ${event.type} event changed`, ctx.signal);
      }
    },
  };
}

/**
 * The connection test and the health check: the organization as the token sees it, and what the
 * token may do. Classic tokens announce their scopes in `X-OAuth-Scopes` on every answer;
 * fine-grained tokens do not, so for them only what the calls proved is reported.
 */
import type { ConnectorContext, TestOutcome } from '../sdk.js';
import { githubClient, type Wait } from './client.js';
import { GITHUB_API_VERSION, type GitHubConfig } from './definition.js';
import { refusal, testFailure } from './errors.js';

/** The classic scopes a full sync needs, with what is unknown without each. */
const NEEDED_SCOPES: Record<string, string> = {
  'read:org': "members' roles",
  repo: 'private repositories and branch protection',
  security_events: 'Dependabot and code scanning alerts',
};

/** Scopes that include others (GitHub: "Scopes for OAuth apps"). */
const IMPLIED: Record<string, string[]> = {
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  repo: ['public_repo', 'security_events', 'repo:status', 'repo_deployment', 'repo:invite'],
};

/** The scopes a classic token has, implied ones included; null for tokens that announce none. */
export function tokenScopes(header: string | number | undefined): string[] | null {
  if (header === undefined) return null;
  const scopes = new Set<string>();
  for (const scope of String(header)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    scopes.add(scope);
    for (const implied of IMPLIED[scope] ?? []) scopes.add(implied);
  }
  return [...scopes].sort();
}

interface Access {
  scopes: string[] | null;
  permissionsVerified: string[];
  missingScopes: string[];
}

function access(scopes: string[] | null, proven: string[]): Access {
  if (scopes === null) return { scopes, permissionsVerified: proven, missingScopes: [] };
  const needed = Object.keys(NEEDED_SCOPES);
  return {
    scopes,
    permissionsVerified: needed.filter((scope) => scopes.includes(scope)),
    missingScopes: needed.filter((scope) => !scopes.includes(scope)),
  };
}

function missingNote(missing: string[]): string {
  if (missing.length === 0) return '';
  return ` Missing scopes: ${missing.map((scope) => `${scope} (${NEEDED_SCOPES[scope]} will be unknown)`).join(', ')}.`;
}

export async function githubTest(ctx: ConnectorContext<GitHubConfig>, wait?: Wait): Promise<TestOutcome> {
  ctx.signal.throwIfAborted();
  const client = githubClient(ctx, wait);
  const org = ctx.config.organization;
  let step = `Reading the organization ${org}`;
  try {
    const { data: found, headers } = await client.request('GET /orgs/{org}', { org });
    step = 'Reading the token owner';
    const { data: user } = await client.request('GET /user');
    step = `Reading ${user.login}'s membership of ${org}`;
    let role: string | null = null;
    try {
      const { data: membership } = await client.request('GET /orgs/{org}/memberships/{username}', {
        org,
        username: user.login,
      });
      role = membership.role;
    } catch (error) {
      if (!refusal(error, [403, 404])) throw error;
    }
    const proven = ['organization:read', ...(role === null ? [] : ['members:read'])];
    const { scopes, permissionsVerified, missingScopes } = access(
      tokenScopes(headers['x-oauth-scopes']),
      proven,
    );
    const privateRepos = found.total_private_repos ?? null;
    const owner = role === 'admin' ? '' : " Only organization owners can read members' two-factor state.";
    return {
      ok: true,
      message:
        `Successfully authenticated with GitHub as ${user.login} (${found.login}, role: ${role ?? 'unknown'}). ` +
        `Repositories: ${found.public_repos} public${privateRepos === null ? '' : `, ${privateRepos} private`}.` +
        missingNote(missingScopes) +
        owner,
      details: {
        organization: { id: Number(found.id), login: found.login, name: found.name ?? null },
        token_owner: user.login,
        role,
        token_scopes: scopes,
        permissions_verified: permissionsVerified,
        missing_scopes: missingScopes,
        two_factor_requirement_enabled: found.two_factor_requirement_enabled ?? null,
        counts: { public_repositories: found.public_repos, private_repositories: privateRepos },
        provider_version: headers['x-github-enterprise-version'] ?? GITHUB_API_VERSION,
      },
    };
  } catch (error) {
    return testFailure(error, step, ctx.signal);
  }
}

/** Lighter than the test: the organization alone, and the token's scopes where it announces them. */
export async function githubHealthCheck(
  ctx: ConnectorContext<GitHubConfig>,
  wait?: Wait,
): Promise<TestOutcome> {
  ctx.signal.throwIfAborted();
  const client = githubClient(ctx, wait);
  const org = ctx.config.organization;
  try {
    const { data: found, headers } = await client.request('GET /orgs/{org}', { org });
    const { scopes, permissionsVerified, missingScopes } = access(tokenScopes(headers['x-oauth-scopes']), [
      'organization:read',
    ]);
    return {
      ok: true,
      message: `GitHub organization ${found.login} is reachable.${missingNote(missingScopes)}`,
      details: {
        organization: { id: Number(found.id), login: found.login, name: found.name ?? null },
        token_scopes: scopes,
        permissions_verified: permissionsVerified,
        missing_scopes: missingScopes,
        counts: {
          public_repositories: found.public_repos,
          private_repositories: found.total_private_repos ?? null,
        },
      },
    };
  } catch (error) {
    return testFailure(error, `Reading the organization ${org}`, ctx.signal);
  }
}

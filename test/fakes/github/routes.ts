/**
 * The endpoints the fake serves, shaped as GitHub's REST reference describes them (the OpenAPI
 * description's operations `orgs/get`, `users/get-authenticated`, `repos/list-for-org`, `repos/get`,
 * `orgs/list-members`, `orgs/get-membership-for-user`, `orgs/list-outside-collaborators`,
 * `repos/get-branch-protection`, `repos/check-vulnerability-alerts`,
 * `dependabot/list-alerts-for-repo`, `code-scanning/list-alerts-for-repo`). Names are not case
 * sensitive. Refusals use GitHub's own messages: "Branch not protected", "Dependabot alerts are
 * disabled for this repository.", "no analysis found", "Code scanning is not enabled for this
 * repository…", "Advanced Security must be enabled…", "Upgrade to GitHub Pro…".
 */
import { type Answer, cursorPageOf, error, json, notFound, type PageRequest, pageOf } from './http.js';
import type { FakeMember, FakeOrg, FakeRepo, FakeToken, FakeUser } from './model.js';

const REF = 'https://docs.github.com/rest';

export interface RouteContext {
  org: FakeOrg;
  token: FakeToken;
  /** Origin and API prefix, for URLs in bodies and Link headers. */
  base: string;
  query: URLSearchParams;
}

function hasScope(token: FakeToken, ...scopes: string[]): boolean {
  // Fine-grained tokens carry permissions, not scopes: the fake grants them everything.
  return token.scopes === null || scopes.some((scope) => token.scopes?.includes(scope));
}

function caller(ctx: RouteContext): FakeMember | undefined {
  return ctx.org.members.find((m) => m.login === ctx.token.login);
}

const isOwner = (ctx: RouteContext) => caller(ctx)?.role === 'admin';

function user(base: string, u: FakeUser) {
  return {
    login: u.login,
    id: u.id,
    node_id: `U_${u.id}`,
    avatar_url: `https://avatars.example/u/${u.id}`,
    url: `${base}/users/${u.login}`,
    html_url: `https://github.example/${u.login}`,
    type: 'User',
    site_admin: false,
  };
}

function orgJson(ctx: RouteContext) {
  const { org, base } = ctx;
  const summary = {
    login: org.login,
    id: org.id,
    node_id: `O_${org.id}`,
    url: `${base}/orgs/${org.login}`,
    repos_url: `${base}/orgs/${org.login}/repos`,
    members_url: `${base}/orgs/${org.login}/members{/member}`,
    description: 'The fake organization',
    name: org.name,
    html_url: `https://github.example/${org.login}`,
    type: 'Organization',
    public_repos: org.repos.filter((r) => r.visibility === 'public').length,
    created_at: '2019-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
  };
  // "To see the full details about an organization, the authenticated user must be an organization owner."
  if (!isOwner(ctx)) return summary;
  const privateRepos = org.repos.filter((r) => r.visibility !== 'public').length;
  return {
    ...summary,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    two_factor_requirement_enabled: org.twoFactorRequired,
    plan: {
      name: org.plan,
      space: 976562499,
      private_repos: 999999,
      filled_seats: org.members.length,
      seats: 1000,
    },
  };
}

function repoJson(ctx: RouteContext, repo: FakeRepo) {
  const { org, base } = ctx;
  const updated = new Date(Date.parse(repo.createdAt) + 3_600_000).toISOString();
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${org.login}/${repo.name}`,
    private: repo.visibility !== 'public',
    owner: { ...user(base, { id: org.id, login: org.login, twoFactor: true }), type: 'Organization' },
    html_url: `https://github.example/${org.login}/${repo.name}`,
    description: null,
    fork: repo.fork,
    url: `${base}/repos/${org.login}/${repo.name}`,
    created_at: repo.createdAt,
    updated_at: updated,
    pushed_at: repo.empty ? null : updated,
    default_branch: repo.defaultBranch,
    visibility: repo.visibility,
    archived: repo.archived,
    disabled: false,
    // Owners are admins of every repository; the fake's other members may only read.
    permissions: {
      admin: isOwner(ctx),
      maintain: isOwner(ctx),
      push: isOwner(ctx),
      triage: true,
      pull: true,
    },
  };
}

function findRepo(ctx: RouteContext, owner: string, name: string): FakeRepo | undefined {
  if (owner.toLowerCase() !== ctx.org.login.toLowerCase()) return undefined;
  return ctx.org.repos.find((r) => r.name.toLowerCase() === name.toLowerCase());
}

function page(ctx: RouteContext, canonicalPath: string): PageRequest {
  return { linkBase: `${ctx.base}${canonicalPath}`, query: ctx.query };
}

export function getOrg(ctx: RouteContext): Answer {
  return json(200, orgJson(ctx));
}

export function getAuthenticatedUser(ctx: RouteContext): Answer {
  const member = caller(ctx);
  return json(200, {
    ...user(ctx.base, member ?? { id: 1, login: ctx.token.login, twoFactor: true }),
    name: null,
  });
}

export function listRepos(ctx: RouteContext): Answer {
  const type = ctx.query.get('type') ?? 'all';
  const sort = ctx.query.get('sort') ?? 'created';
  const direction = ctx.query.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
  // Private repositories need the `repo` scope.
  let repos = ctx.org.repos.filter((r) => r.visibility === 'public' || hasScope(ctx.token, 'repo'));
  if (type === 'public') repos = repos.filter((r) => r.visibility === 'public');
  if (type === 'private') repos = repos.filter((r) => r.visibility !== 'public');
  if (type === 'forks') repos = repos.filter((r) => r.fork);
  if (type === 'sources') repos = repos.filter((r) => !r.fork);
  const key = (r: FakeRepo) => (sort === 'full_name' ? r.name : r.createdAt);
  repos = [...repos].sort((a, b) => key(a).localeCompare(key(b)) || a.id - b.id);
  if (direction === 'desc') repos.reverse();
  return pageOf(repos, page(ctx, `/organizations/${ctx.org.id}/repos`), (r) => repoJson(ctx, r));
}

/**
 * `repos/get`: the full repository. A private one the token may not read is a 404, as a missing one;
 * a former name (renamed or transferred since) is a 301 whose body names the repository by id.
 */
export function getRepo(ctx: RouteContext, owner: string, name: string): Answer {
  const repo = findRepo(ctx, owner, name);
  if (repo && (repo.visibility === 'public' || hasScope(ctx.token, 'repo'))) {
    const { owner: organization } = repoJson(ctx, repo);
    return json(200, {
      ...repoJson(ctx, repo),
      organization,
      network_count: 0,
      subscribers_count: 0,
    });
  }
  const moved = ctx.org.repos.find((r) => r.formerNames?.some((n) => n.toLowerCase() === name.toLowerCase()));
  if (moved && owner.toLowerCase() === ctx.org.login.toLowerCase()) {
    const url = `${ctx.base}/repositories/${moved.id}`;
    return json(
      301,
      {
        message: 'Moved Permanently',
        url,
        documentation_url:
          'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects',
      },
      { location: url },
    );
  }
  return notFound(`${REF}/repos/repos#get-a-repository`);
}

export function listMembers(ctx: RouteContext): Answer {
  const role = ctx.query.get('role') ?? 'all';
  const filter = ctx.query.get('filter') ?? 'all';
  if (filter !== 'all' && !isOwner(ctx)) {
    // Documented: "These options are only available for organization owners"; its one documented
    // error is a 422 (the message is the fake's).
    return error(
      422,
      'Only organization owners can use this filter.',
      `${REF}/orgs/members#list-organization-members`,
    );
  }
  let members = ctx.org.members;
  if (role !== 'all') members = members.filter((m) => m.role === role);
  if (filter === '2fa_disabled' || filter === '2fa_insecure') members = members.filter((m) => !m.twoFactor);
  return pageOf(members, page(ctx, `/organizations/${ctx.org.id}/members`), (m) => user(ctx.base, m));
}

export function getMembership(ctx: RouteContext, username: string): Answer {
  const member = ctx.org.members.find((m) => m.login.toLowerCase() === username.toLowerCase());
  if (!member || !caller(ctx)) return notFound(`${REF}/orgs/members#get-organization-membership-for-a-user`);
  return json(200, {
    url: `${ctx.base}/orgs/${ctx.org.login}/memberships/${member.login}`,
    state: 'active',
    role: member.role,
    organization_url: `${ctx.base}/orgs/${ctx.org.login}`,
    organization: { login: ctx.org.login, id: ctx.org.id, url: `${ctx.base}/orgs/${ctx.org.login}` },
    user: user(ctx.base, member),
  });
}

export function listOutsideCollaborators(ctx: RouteContext): Answer {
  const filter = ctx.query.get('filter') ?? 'all';
  let people = ctx.org.outsideCollaborators;
  if (filter === '2fa_disabled' || filter === '2fa_insecure') people = people.filter((u) => !u.twoFactor);
  return pageOf(people, page(ctx, `/organizations/${ctx.org.id}/outside_collaborators`), (u) =>
    user(ctx.base, u),
  );
}

export function getBranchProtection(ctx: RouteContext, owner: string, name: string, branch: string): Answer {
  const docs = `${REF}/branches/branch-protection#get-branch-protection`;
  const repo = findRepo(ctx, owner, name);
  // Protection is shown to repository admins only; others get a plain 404.
  if (!repo || !isOwner(ctx)) return notFound(docs);
  if (repo.empty || branch !== repo.defaultBranch) return error(404, 'Branch not found', docs);
  if (repo.protection === 'unavailable') {
    return error(403, 'Upgrade to GitHub Pro or make this repository public to enable this feature.', docs);
  }
  if (repo.protection === 'none') return error(404, 'Branch not protected', docs);
  const url = `${ctx.base}/repos/${ctx.org.login}/${repo.name}/branches/${branch}/protection`;
  const p = repo.protection;
  return json(200, {
    url,
    required_status_checks: {
      url: `${url}/required_status_checks`,
      strict: true,
      contexts: p.contexts,
      checks: [],
    },
    required_pull_request_reviews: {
      url: `${url}/required_pull_request_reviews`,
      dismiss_stale_reviews: true,
      require_code_owner_reviews: false,
      required_approving_review_count: p.requiredApprovingReviewCount,
      require_last_push_approval: false,
    },
    enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins },
    required_linear_history: { enabled: false },
    allow_force_pushes: { enabled: false },
    allow_deletions: { enabled: false },
    block_creations: { enabled: false },
    required_conversation_resolution: { enabled: false },
    required_signatures: { url: `${url}/required_signatures`, enabled: false },
    lock_branch: { enabled: false },
    allow_fork_syncing: { enabled: false },
  });
}

export function checkVulnerabilityAlerts(ctx: RouteContext, owner: string, name: string): Answer {
  const repo = findRepo(ctx, owner, name);
  // "Not Found if repository is not enabled with vulnerability alerts"; "the authenticated user must
  // have admin read access", else a 404 as well.
  if (!repo?.vulnerabilityAlerts || !isOwner(ctx)) {
    return error(
      404,
      'Vulnerability alerts are disabled.',
      `${REF}/repos/repos#check-if-vulnerability-alerts-are-enabled-for-a-repository`,
    );
  }
  return { status: 204 };
}

export function listDependabotAlerts(ctx: RouteContext, repo: FakeRepo): Answer {
  const docs = `${REF}/dependabot/alerts#list-dependabot-alerts-for-a-repository`;
  if (!hasScope(ctx.token, 'security_events', 'repo') || !isOwner(ctx)) {
    return error(403, 'Resource not accessible by personal access token', docs);
  }
  if (!repo.vulnerabilityAlerts)
    return error(403, 'Dependabot alerts are disabled for this repository.', docs);
  const states = ctx.query.get('state')?.split(',');
  const severities = ctx.query.get('severity')?.split(',');
  const alerts = repo.dependabotAlerts.filter(
    (a) => (!states || states.includes(a.state)) && (!severities || severities.includes(a.severity)),
  );
  const html = `https://github.example/${ctx.org.login}/${repo.name}/security/dependabot`;
  return cursorPageOf(alerts, page(ctx, `/repositories/${repo.id}/dependabot/alerts`), (a) => ({
    number: a.number,
    state: a.state,
    dependency: {
      package: { ecosystem: 'npm', name: a.package },
      manifest_path: 'package-lock.json',
      scope: 'runtime',
    },
    security_advisory: {
      ghsa_id: `GHSA-fake-${a.number}`,
      cve_id: null,
      summary: `${a.package} flaw`,
      severity: a.severity,
    },
    security_vulnerability: {
      package: { ecosystem: 'npm', name: a.package },
      severity: a.severity,
      vulnerable_version_range: '< 1.0.1',
      first_patched_version: { identifier: '1.0.1' },
    },
    url: `${ctx.base}/repos/${ctx.org.login}/${repo.name}/dependabot/alerts/${a.number}`,
    html_url: `${html}/${a.number}`,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    dismissed_at: a.state === 'dismissed' ? repo.createdAt : null,
    dismissed_by: null,
    dismissed_reason: a.state === 'dismissed' ? 'tolerable_risk' : null,
    dismissed_comment: null,
    fixed_at: a.state === 'fixed' ? repo.createdAt : null,
  }));
}

export function listCodeScanningAlerts(ctx: RouteContext, repo: FakeRepo): Answer {
  const docs = `${REF}/code-scanning/code-scanning#list-code-scanning-alerts-for-a-repository`;
  if (!hasScope(ctx.token, 'security_events', 'repo') || !isOwner(ctx)) {
    return error(403, 'Resource not accessible by personal access token', docs);
  }
  if (repo.codeScanning === 'no_analysis') return error(404, 'no analysis found', docs);
  if (repo.codeScanning === 'not_enabled') {
    return error(
      403,
      'Code scanning is not enabled for this repository. Please enable code scanning in the repository settings.',
      docs,
    );
  }
  if (repo.codeScanning === 'unavailable') {
    return error(403, 'Advanced Security must be enabled for this repository to use code scanning.', docs);
  }
  const state = ctx.query.get('state');
  const alerts = repo.codeScanningAlerts.filter((a) => !state || a.state === state);
  return pageOf(alerts, page(ctx, `/repositories/${repo.id}/code-scanning/alerts`), (a) => ({
    number: a.number,
    created_at: repo.createdAt,
    url: `${ctx.base}/repos/${ctx.org.login}/${repo.name}/code-scanning/alerts/${a.number}`,
    html_url: `https://github.example/${ctx.org.login}/${repo.name}/security/code-scanning/${a.number}`,
    state: a.state,
    dismissed_by: null,
    dismissed_at: null,
    dismissed_reason: null,
    rule: { id: a.rule, severity: 'error', security_severity_level: 'high', description: a.rule },
    tool: { name: 'CodeQL', guid: null, version: '2.17.0' },
    most_recent_instance: { ref: `refs/heads/${repo.defaultBranch}`, state: a.state },
  }));
}

/** A repository named by `owner/name`, or by id (as Link URLs name it). */
export function repoBy(
  ctx: RouteContext,
  ref: { owner: string; name: string } | { id: number },
): FakeRepo | undefined {
  return 'id' in ref ? ctx.org.repos.find((r) => r.id === ref.id) : findRepo(ctx, ref.owner, ref.name);
}

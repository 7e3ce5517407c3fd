/**
 * An organization's repositories, each with its security posture: default-branch protection
 * (`GET /repos/{owner}/{repo}/branches/{branch}/protection`), Dependabot alerts
 * (`GET /repos/{owner}/{repo}/vulnerability-alerts`: 204 on, 404 off; then the open alerts) and code
 * scanning (`GET /repos/{owner}/{repo}/code-scanning/alerts`). A feature that is off is a state of
 * the repository, not an error; what the token may not read is `unknown` and logged once per sync.
 */
import type { EvidenceItem, RunLogger, SyncBatch, SyncContext } from '../sdk.js';
import type { GitHubClient } from './client.js';
import { mapLimited } from './concurrency.js';
import type { GitHubConfig } from './definition.js';
import { refusal } from './errors.js';
import { formatCursor, isStart, parseCursor, resumable } from './listing.js';
import {
  asData,
  type BranchProtection,
  type CodeScanning,
  type DependabotAlerts,
  type RepositoryRecord,
  SEVERITIES,
  type SeverityCounts,
} from './records.js';

/** The fields of GitHub's "minimal repository" this connector reads. */
interface Repository {
  id: number | bigint;
  name: string;
  full_name: string;
  owner: { login: string };
  private: boolean;
  visibility?: string;
  archived?: boolean;
  fork: boolean;
  default_branch?: string;
  html_url: string;
  created_at?: string | null;
  updated_at?: string | null;
  pushed_at?: string | null;
  /** What the token's owner may do in it (absent in some answers: taken as admin). */
  permissions?: { admin?: boolean };
}

/** Repositories whose details are fetched at once (GitHub allows 100 concurrent requests per user). */
const DETAIL_CONCURRENCY = 8;
/** Names listed in evidence, at most. */
const LISTED = 100;

/** What the token could not read, counted per feature and logged once at the end. */
export class Unreadable {
  readonly #seen = new Map<string, { count: number; example: string }>();

  note(feature: string, repository: string, message: string): void {
    const entry = this.#seen.get(feature);
    if (entry) entry.count += 1;
    else this.#seen.set(feature, { count: 1, example: `${repository}: ${message}` });
  }

  log(runLog: RunLogger): void {
    for (const [feature, { count, example }] of this.#seen) {
      runLog.log('warn', `Could not read ${feature} of ${count} repositories; recorded as unknown`, {
        details: { feature, repositories: count, example },
        source: 'github',
      });
    }
  }
}

async function branchProtection(
  client: GitHubClient,
  owner: string,
  repo: string,
  branch: string,
  unreadable: Unreadable,
): Promise<BranchProtection> {
  try {
    const { data } = await client.request('GET /repos/{owner}/{repo}/branches/{branch}/protection', {
      owner,
      repo,
      branch,
    });
    const reviews = data.required_pull_request_reviews;
    return {
      status: 'protected',
      branch,
      required_approving_review_count: reviews?.required_approving_review_count ?? 0,
      dismiss_stale_reviews: reviews?.dismiss_stale_reviews ?? false,
      require_code_owner_reviews: reviews?.require_code_owner_reviews ?? false,
      enforce_admins: data.enforce_admins?.enabled ?? false,
      required_status_checks: data.required_status_checks?.contexts ?? [],
      required_linear_history: data.required_linear_history?.enabled ?? false,
      allow_force_pushes: data.allow_force_pushes?.enabled ?? false,
      allow_deletions: data.allow_deletions?.enabled ?? false,
      required_signatures: data.required_signatures?.enabled ?? false,
    };
  } catch (error) {
    const refused = refusal(error, [403, 404]);
    if (!refused) throw error;
    // "Branch not protected"; "Branch not found" is an empty repository, unprotected as well.
    if (refused.status === 404 && /^Branch not (protected|found)/i.test(refused.message)) {
      return { status: 'unprotected', branch };
    }
    if (
      refused.status === 403 &&
      /upgrade to github pro|make this repository public/i.test(refused.message)
    ) {
      return { status: 'unavailable', branch };
    }
    unreadable.note('branch protection', `${owner}/${repo}`, refused.message || `HTTP ${refused.status}`);
    return { status: 'unknown', branch };
  }
}

function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, total: 0 };
}

/**
 * The Dependabot alerts state and the open alerts. `vulnerability-alerts` tells the state only to
 * repository admins (to others it is a 404, as "disabled" is): for them the listing tells it instead.
 */
async function dependabotAlerts(
  client: GitHubClient,
  owner: string,
  repo: string,
  admin: boolean,
  unreadable: Unreadable,
): Promise<DependabotAlerts> {
  if (admin) {
    try {
      await client.request('GET /repos/{owner}/{repo}/vulnerability-alerts', { owner, repo });
    } catch (error) {
      // 404: "Not Found if repository is not enabled with vulnerability alerts".
      if (refusal(error, [404])) return { status: 'disabled', open: null };
      const refused = refusal(error, [403]);
      if (!refused) throw error;
      unreadable.note('the Dependabot alerts setting', `${owner}/${repo}`, refused.message || 'HTTP 403');
      return { status: 'unknown', open: null };
    }
  }
  const open = emptyCounts();
  try {
    const pages = client.paginate.iterator('GET /repos/{owner}/{repo}/dependabot/alerts', {
      owner,
      repo,
      state: 'open',
      per_page: 100,
    });
    for await (const { data } of pages) {
      for (const alert of data) {
        const severity = alert.security_vulnerability?.severity ?? alert.security_advisory?.severity;
        if (severity && SEVERITIES.includes(severity)) open[severity] += 1;
        open.total += 1;
      }
    }
  } catch (error) {
    const refused = refusal(error, [403, 404]);
    if (!refused) throw error;
    if (/dependabot alerts are disabled/i.test(refused.message)) return { status: 'disabled', open: null };
    unreadable.note('Dependabot alerts', `${owner}/${repo}`, refused.message || `HTTP ${refused.status}`);
    return { status: admin ? 'enabled' : 'unknown', open: null };
  }
  return { status: 'enabled', open };
}

async function codeScanning(
  client: GitHubClient,
  owner: string,
  repo: string,
  unreadable: Unreadable,
): Promise<CodeScanning> {
  let open = 0;
  try {
    const pages = client.paginate.iterator('GET /repos/{owner}/{repo}/code-scanning/alerts', {
      owner,
      repo,
      state: 'open',
      per_page: 100,
    });
    for await (const { data } of pages) open += data.length;
    return { status: 'enabled', open_alerts: open };
  } catch (error) {
    const refused = refusal(error, [403, 404]);
    if (!refused) throw error;
    if (refused.status === 404 && /no analysis found/i.test(refused.message)) {
      return { status: 'no_analysis', open_alerts: null };
    }
    if (/code scanning is not enabled/i.test(refused.message))
      return { status: 'not_enabled', open_alerts: null };
    if (/advanced security must be enabled|code security must be enabled/i.test(refused.message)) {
      return { status: 'unavailable', open_alerts: null };
    }
    unreadable.note('code scanning', `${owner}/${repo}`, refused.message || `HTTP ${refused.status}`);
    return { status: 'unknown', open_alerts: null };
  }
}

/** A repository as the sync stores it, with its security posture read from GitHub. */
export async function repositoryRecord(
  client: GitHubClient,
  repository: Repository,
  unreadable: Unreadable,
): Promise<RepositoryRecord> {
  const owner = repository.owner.login;
  const repo = repository.name;
  const branch = repository.default_branch ?? null;
  const [protection, dependabot, scanning] = await Promise.all([
    branch === null
      ? Promise.resolve<BranchProtection>({ status: 'unprotected', branch: '' })
      : branchProtection(client, owner, repo, branch, unreadable),
    dependabotAlerts(client, owner, repo, repository.permissions?.admin !== false, unreadable),
    codeScanning(client, owner, repo, unreadable),
  ]);
  return {
    id: Number(repository.id),
    name: repository.name,
    full_name: repository.full_name,
    visibility: repository.visibility ?? (repository.private ? 'private' : 'public'),
    private: repository.private,
    archived: repository.archived ?? false,
    fork: repository.fork,
    default_branch: branch,
    html_url: repository.html_url,
    created_at: repository.created_at ?? null,
    updated_at: repository.updated_at ?? null,
    pushed_at: repository.pushed_at ?? null,
    branch_protection: protection,
    dependabot_alerts: dependabot,
    code_scanning: scanning,
  };
}

/** The repositories' evidence, tallied while their pages stream by (only when a listing starts afresh). */
export class RepositoryTally {
  active = 0;
  archived = 0;
  protected = 0;
  unavailable = 0;
  unknown = 0;
  readonly unprotected: string[] = [];
  unprotectedCount = 0;
  readonly alerts = emptyCounts();
  withOpenAlerts = 0;
  dependabotOff = 0;
  dependabotUnknown = 0;

  add(record: RepositoryRecord): void {
    const { dependabot_alerts: dependabot } = record;
    if (dependabot.open) {
      for (const severity of SEVERITIES) this.alerts[severity] += dependabot.open[severity];
      this.alerts.total += dependabot.open.total;
      if (dependabot.open.total > 0) this.withOpenAlerts += 1;
    } else if (dependabot.status === 'disabled') this.dependabotOff += 1;
    else this.dependabotUnknown += 1;
    // Archived repositories are read-only: protection is moot for them.
    if (record.archived) {
      this.archived += 1;
      return;
    }
    this.active += 1;
    const status = record.branch_protection.status;
    if (status === 'protected') this.protected += 1;
    else if (status === 'unavailable') this.unavailable += 1;
    else if (status === 'unknown') this.unknown += 1;
    if (status !== 'protected') {
      this.unprotectedCount += 1;
      if (this.unprotected.length < LISTED) this.unprotected.push(record.full_name);
    }
  }

  evidence(): EvidenceItem[] {
    const pct = this.active === 0 ? 100 : Math.round((this.protected / this.active) * 1000) / 10;
    const { critical, high, medium, low, total } = this.alerts;
    return [
      {
        kind: 'branch_protection_coverage',
        summary: `${this.protected} of ${this.active} active repositories protect their default branch (${pct}%)`,
        data: {
          active_repositories: this.active,
          protected: this.protected,
          unprotected: this.unprotectedCount,
          protection_unavailable: this.unavailable,
          unknown: this.unknown,
          coverage_pct: pct,
          archived_excluded: this.archived,
          unprotected_repositories: this.unprotected,
        },
      },
      {
        kind: 'open_vulnerability_alerts',
        summary: `${total} open Dependabot alerts: ${critical} critical, ${high} high, ${medium} medium, ${low} low`,
        data: {
          by_severity: { critical, high, medium, low },
          total,
          repositories_with_open_alerts: this.withOpenAlerts,
          repositories_with_dependabot_disabled: this.dependabotOff,
          repositories_unknown: this.dependabotUnknown,
        },
      },
    ];
  }
}

/**
 * The organization's repositories in creation order, a page (100) per batch with its details; the
 * evidence comes with the last page when the listing started from the beginning.
 */
export async function* syncRepositories(
  client: GitHubClient,
  ctx: SyncContext<GitHubConfig>,
): AsyncGenerator<SyncBatch> {
  const org = ctx.config.organization;
  const start = parseCursor(ctx.cursors.repositories);
  const tally = isStart(start) ? new RepositoryTally() : undefined;
  const unreadable = new Unreadable();
  const responses = client.paginate.iterator('GET /orgs/{org}/repos', {
    org,
    type: 'all',
    sort: 'created',
    direction: 'asc',
    per_page: 100,
    page: start.page,
  });
  for await (const page of resumable(responses, start)) {
    const records = await mapLimited(page.items, DETAIL_CONCURRENCY, (repository) =>
      repositoryRecord(client, repository, unreadable),
    );
    for (const record of records) tally?.add(record);
    if (page.last) unreadable.log(ctx.runLog);
    yield {
      entity: 'repositories',
      records: records.map((record) => ({ id: String(record.id), data: asData(record) })),
      cursor: formatCursor(page.cursor),
      evidence: page.last && tally ? tally.evidence() : [],
    };
  }
}

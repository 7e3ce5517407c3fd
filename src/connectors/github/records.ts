/** The records a GitHub sync stores, as previews and evidence read them back. */

export type BranchProtectionStatus =
  /** The default branch has a protection rule. */
  | 'protected'
  /** GitHub answered "Branch not protected" (or the branch does not exist yet: an empty repository). */
  | 'unprotected'
  /** The plan does not offer protection for this repository (private repositories on GitHub Free). */
  | 'unavailable'
  /** The token may not read it. */
  | 'unknown';

export interface BranchProtection {
  status: BranchProtectionStatus;
  branch: string;
  required_approving_review_count?: number;
  dismiss_stale_reviews?: boolean;
  require_code_owner_reviews?: boolean;
  enforce_admins?: boolean;
  required_status_checks?: string[];
  required_linear_history?: boolean;
  allow_force_pushes?: boolean;
  allow_deletions?: boolean;
  required_signatures?: boolean;
}

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityCounts = Record<Severity, number> & { total: number };

export interface DependabotAlerts {
  /** Whether Dependabot alerts (vulnerability alerts) are on; `unknown` when the token may not tell. */
  status: 'enabled' | 'disabled' | 'unknown';
  /** Open alerts by severity; null when they could not be read (off, or not allowed). */
  open: SeverityCounts | null;
}

export interface CodeScanning {
  /**
   * `enabled`: analyses exist and alerts can be read; `no_analysis`: code scanning has never run;
   * `not_enabled`: switched off; `unavailable`: the plan lacks it (GitHub Advanced Security).
   */
  status: 'enabled' | 'no_analysis' | 'not_enabled' | 'unavailable' | 'unknown';
  open_alerts: number | null;
}

export interface RepositoryRecord {
  id: number;
  name: string;
  full_name: string;
  visibility: string;
  private: boolean;
  archived: boolean;
  fork: boolean;
  default_branch: string | null;
  html_url: string;
  created_at: string | null;
  updated_at: string | null;
  pushed_at: string | null;
  branch_protection: BranchProtection;
  dependabot_alerts: DependabotAlerts;
  code_scanning: CodeScanning;
}

export interface MemberRecord {
  id: number;
  login: string;
  type: string;
  site_admin: boolean;
  role: 'admin' | 'member';
  /** False when GitHub lists the member among those without 2FA; null when the token may not ask. */
  two_factor_enabled: boolean | null;
  html_url: string;
}

export interface OutsideCollaboratorRecord {
  id: number;
  login: string;
  type: string;
  site_admin: boolean;
  two_factor_enabled: boolean | null;
  html_url: string;
}

export interface OrganizationRecord {
  id: number;
  login: string;
  name: string | null;
  /** Null when the token may not see it (only owners see the full organization). */
  two_factor_requirement_enabled: boolean | null;
  plan: string | null;
  public_repos: number;
  total_private_repos: number | null;
  html_url: string;
}

/** A record's data as the engine stores it: a plain JSON object. */
export function asData(record: object): Record<string, unknown> {
  return { ...record };
}

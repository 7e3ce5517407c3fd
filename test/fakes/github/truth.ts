/**
 * What the fake's organization holds, counted from its model (never from a connector): the numbers
 * a preview and the evidence must equal.
 */
import type { FakeOrg, Severity } from './model.js';

export function expectedPreview(org: FakeOrg) {
  const repos = org.repos;
  const count = (predicate: (repo: FakeOrg['repos'][number]) => boolean) => repos.filter(predicate).length;
  return {
    repositories: {
      total: repos.length,
      public: count((r) => r.visibility === 'public'),
      private: count((r) => r.visibility !== 'public'),
      archived: count((r) => r.archived),
    },
    security: {
      repos_with_branch_protection: count((r) => !r.empty && typeof r.protection === 'object'),
      repos_with_dependabot: count((r) => r.vulnerabilityAlerts),
      repos_with_code_scanning: count((r) => r.codeScanning === 'enabled'),
      open_vulnerability_alerts: repos
        .filter((r) => r.vulnerabilityAlerts)
        .reduce((sum, r) => sum + r.dependabotAlerts.filter((a) => a.state === 'open').length, 0),
    },
    members: {
      total: org.members.length,
      admins: org.members.filter((m) => m.role === 'admin').length,
      outside_collaborators: org.outsideCollaborators.length,
    },
  };
}

export function openAlertsBySeverity(org: FakeOrg): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const repo of org.repos) {
    if (!repo.vulnerabilityAlerts) continue;
    for (const alert of repo.dependabotAlerts) if (alert.state === 'open') counts[alert.severity] += 1;
  }
  return counts;
}

/** Active (not archived) repositories, and those of them whose default branch is protected. */
export function protectionCoverage(org: FakeOrg): { active: number; protected: number } {
  const active = org.repos.filter((r) => !r.archived);
  return {
    active: active.length,
    protected: active.filter((r) => !r.empty && typeof r.protection === 'object').length,
  };
}

export function withoutTwoFactor(org: FakeOrg): { members: string[]; outside: string[] } {
  return {
    members: org.members
      .filter((m) => !m.twoFactor)
      .map((m) => m.login)
      .sort(),
    outside: org.outsideCollaborators
      .filter((u) => !u.twoFactor)
      .map((u) => u.login)
      .sort(),
  };
}

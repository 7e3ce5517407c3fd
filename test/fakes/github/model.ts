/**
 * The fake GitHub's ground truth: one organization, its repositories with their security settings
 * and alerts, its members and outside collaborators, and the tokens that may call it. Tests build one
 * with `generateOrg` (deterministic, by index) and may change it between syncs.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface FakeUser {
  id: number;
  login: string;
  twoFactor: boolean;
}

export interface FakeMember extends FakeUser {
  role: 'admin' | 'member';
}

/** A classic token announces its scopes (`X-OAuth-Scopes`); a fine-grained one (scopes null) does not. */
export interface FakeToken {
  token: string;
  login: string;
  scopes: string[] | null;
}

export interface FakeProtection {
  requiredApprovingReviewCount: number;
  enforceAdmins: boolean;
  contexts: string[];
}

export interface FakeDependabotAlert {
  number: number;
  state: 'open' | 'fixed' | 'dismissed' | 'auto_dismissed';
  severity: Severity;
  package: string;
}

export interface FakeCodeScanningAlert {
  number: number;
  state: 'open' | 'dismissed' | 'fixed';
  rule: string;
}

export interface FakeRepo {
  id: number;
  name: string;
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  fork: boolean;
  defaultBranch: string;
  /** No commits yet: its default branch does not exist. */
  empty: boolean;
  createdAt: string;
  /** `none`: "Branch not protected"; `unavailable`: a private repository on a plan without protection. */
  protection: FakeProtection | 'none' | 'unavailable';
  /** Dependabot alerts (vulnerability alerts) on. */
  vulnerabilityAlerts: boolean;
  dependabotAlerts: FakeDependabotAlert[];
  /** `no_analysis`: 404 "no analysis found"; `not_enabled`/`unavailable`: GitHub's 403s. */
  codeScanning: 'enabled' | 'no_analysis' | 'not_enabled' | 'unavailable';
  codeScanningAlerts: FakeCodeScanningAlert[];
  /** Names it had before a rename or transfer: `repos/get` answers them with a 301. */
  formerNames?: string[];
}

export interface FakeOrg {
  id: number;
  login: string;
  name: string;
  twoFactorRequired: boolean;
  plan: string;
  repos: FakeRepo[];
  members: FakeMember[];
  outsideCollaborators: FakeUser[];
}

export interface OrgShape {
  login?: string;
  repos: number;
  members: number;
  outsideCollaborators: number;
  twoFactorRequired?: boolean;
}

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const DAY_MS = 86_400_000;
const EPOCH = Date.parse('2020-01-01T00:00:00Z');

export function fakeRepo(org: Pick<FakeOrg, 'id'>, index: number): FakeRepo {
  const visibility = index % 7 === 0 ? 'public' : index % 13 === 5 ? 'internal' : 'private';
  const vulnerabilityAlerts = index % 3 !== 0;
  const dependabotAlerts: FakeDependabotAlert[] = [];
  if (vulnerabilityAlerts) {
    // Some open alerts of each severity, and closed ones the connector must not count.
    for (let a = 0; a < index % 5; a++) {
      dependabotAlerts.push({
        number: a + 1,
        state: 'open',
        severity: SEVERITIES[(index + a) % 4] as Severity,
        package: `pkg-${a}`,
      });
    }
    dependabotAlerts.push({ number: 90, state: 'fixed', severity: 'critical', package: 'fixed-pkg' });
    if (index % 2 === 0)
      dependabotAlerts.push({ number: 91, state: 'dismissed', severity: 'high', package: 'x' });
  }
  const codeScanning =
    (['enabled', 'no_analysis', 'not_enabled', 'unavailable'] as const)[index % 4] ?? 'enabled';
  return {
    id: org.id * 1000 + index + 1,
    name: `repo-${String(index).padStart(4, '0')}`,
    visibility,
    archived: index % 11 === 10,
    fork: index % 17 === 3,
    defaultBranch: index % 9 === 4 ? 'master' : 'main',
    empty: index % 29 === 28,
    createdAt: new Date(EPOCH + index * DAY_MS).toISOString(),
    protection:
      index % 4 === 1
        ? 'none'
        : index % 10 === 6 && visibility !== 'public'
          ? 'unavailable'
          : {
              requiredApprovingReviewCount: 1 + (index % 2),
              enforceAdmins: index % 3 === 0,
              contexts: ['ci'],
            },
    vulnerabilityAlerts,
    dependabotAlerts,
    codeScanning,
    codeScanningAlerts:
      codeScanning === 'enabled'
        ? [
            { number: 1, state: 'open', rule: 'js/sql-injection' },
            { number: 2, state: index % 2 === 0 ? 'open' : 'fixed', rule: 'js/xss' },
          ]
        : [],
  };
}

export function fakeMember(index: number): FakeMember {
  return {
    id: 5000 + index,
    login: index === 0 ? 'octo-admin' : `member-${String(index).padStart(4, '0')}`,
    role: index === 0 || index % 20 === 7 ? 'admin' : 'member',
    twoFactor: index % 9 !== 5,
  };
}

export function fakeOutsideCollaborator(index: number): FakeUser {
  return {
    id: 9000 + index,
    login: `contractor-${String(index).padStart(3, '0')}`,
    twoFactor: index % 3 !== 1,
  };
}

/** An organization of the given size; its first member, `octo-admin`, is an owner with 2FA. */
export function generateOrg(shape: OrgShape): FakeOrg {
  const org: FakeOrg = {
    id: 4200,
    login: shape.login ?? 'acme-corp',
    name: 'Acme Corporation',
    twoFactorRequired: shape.twoFactorRequired ?? false,
    plan: 'enterprise',
    repos: [],
    members: [],
    outsideCollaborators: [],
  };
  for (let i = 0; i < shape.repos; i++) org.repos.push(fakeRepo(org, i));
  for (let i = 0; i < shape.members; i++) org.members.push(fakeMember(i));
  for (let i = 0; i < shape.outsideCollaborators; i++)
    org.outsideCollaborators.push(fakeOutsideCollaborator(i));
  return org;
}

/** A token of the organization's first owner with every scope a full sync needs. */
export function ownerToken(token = 'ghp_ownertoken0000000000000000000000'): FakeToken {
  return { token, login: 'octo-admin', scopes: ['read:org', 'repo'] };
}

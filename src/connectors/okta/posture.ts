/**
 * What an org's policies say, in the spec's preview words (§7: `password_policy`, `mfa_policy`,
 * `session_lifetime_mins`), read from stored policy records (each with its `rules`). Only ACTIVE
 * policies and rules count; where several apply to different people, the weakest is reported.
 */
import { isRecord } from './okta-types.js';

type PolicyRecord = Record<string, unknown>;

function active(policies: PolicyRecord[], type: string): PolicyRecord[] {
  return policies.filter((p) => p.type === type && p.status === 'ACTIVE');
}

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** A password policy's rules as evidence and preview read them. */
export interface PasswordRules {
  minLength: number;
  /** Lower case, upper case, a number and a symbol all required. */
  complexity: boolean;
  maxAgeDays: number | null;
  historyCount: number | null;
  lockoutAttempts: number | null;
}

export function passwordRules(policy: PolicyRecord): PasswordRules {
  const complexity = at(policy.settings, 'password', 'complexity');
  const age = at(policy.settings, 'password', 'age');
  const required = (key: string) => (number(at(complexity, key)) ?? 0) >= 1;
  return {
    // Okta's default minimum is 8 when the policy does not say.
    minLength: number(at(complexity, 'minLength')) ?? 8,
    complexity: ['minLowerCase', 'minUpperCase', 'minNumber', 'minSymbol'].every(required),
    maxAgeDays: number(at(age, 'maxAgeDays')) ?? null,
    historyCount: number(at(age, 'historyCount')) ?? null,
    lockoutAttempts: number(at(policy.settings, 'password', 'lockout', 'maxAttempts')) ?? null,
  };
}

/** E.g. "Minimum 12 chars, complexity required"; null without an active password policy. */
export function passwordPolicySummary(policies: PolicyRecord[]): string | null {
  const rules = active(policies, 'PASSWORD').map(passwordRules);
  if (rules.length === 0) return null;
  const minLength = Math.min(...rules.map((r) => r.minLength));
  const complexity = rules.every((r) => r.complexity);
  return `Minimum ${minLength} chars, complexity ${complexity ? 'required' : 'not required'}`;
}

/**
 * Whether an MFA enrollment policy requires a factor beyond the password: Identity Engine policies
 * list `authenticators` with `enroll.self`, Classic ones a `factors` map with `enroll.self`.
 */
export function requiresMfa(policy: PolicyRecord): boolean {
  const settings = policy.settings;
  const required = (entry: unknown) => at(entry, 'enroll', 'self') === 'REQUIRED';
  const authenticators = at(settings, 'authenticators');
  if (Array.isArray(authenticators)) {
    return authenticators.some((a) => required(a) && at(a, 'key') !== 'okta_password');
  }
  const factors = at(settings, 'factors');
  return isRecord(factors) && Object.values(factors).some(required);
}

/** E.g. "MFA required for all users"; null without an active MFA enrollment policy. */
export function mfaPolicySummary(policies: PolicyRecord[]): string | null {
  const list = active(policies, 'MFA_ENROLL');
  if (list.length === 0) return null;
  const requiring = list.filter(requiresMfa).length;
  if (requiring === list.length) return 'MFA required for all users';
  if (requiring === 0) return 'MFA enrollment optional';
  return `MFA required by ${requiring} of ${list.length} enrollment policies`;
}

/**
 * The longest session an active sign-on rule that allows access grants, in minutes. Null when a
 * rule sets no limit (Okta: `maxSessionLifetimeMinutes` 0) or no such rule exists.
 */
export function sessionLifetimeMins(policies: PolicyRecord[]): number | null {
  let longest: number | null = null;
  for (const policy of active(policies, 'OKTA_SIGN_ON')) {
    const rules = Array.isArray(policy.rules) ? policy.rules : [];
    for (const rule of rules) {
      if (at(rule, 'status') !== 'ACTIVE' || at(rule, 'actions', 'signon', 'access') === 'DENY') continue;
      const lifetime = number(at(rule, 'actions', 'signon', 'session', 'maxSessionLifetimeMinutes'));
      if (lifetime === undefined) continue;
      if (lifetime === 0) return null;
      longest = Math.max(longest ?? 0, lifetime);
    }
  }
  return longest;
}

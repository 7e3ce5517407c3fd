/**
 * Evidence gathered while users stream by: MFA enrollment and inactive accounts among the users
 * who can sign in. Only a listing of every user makes it (an incremental page set would not).
 */
import type { EvidenceItem } from '../sdk.js';
import { ACTIVE_STATUSES, isMfaEnrolled, type OktaUser, type StoredFactor } from './okta-types.js';

/** Accounts unused this long are inactive (a common access-review threshold). */
export const INACTIVE_AFTER_DAYS = 90;
/** Users named in a piece of evidence at most; the counts cover all of them. */
const LISTED_MAX = 1_000;
const DAY_MS = 86_400_000;

interface Named {
  id: string;
  login: string | null;
}

export class UserPosture {
  active = 0;
  enrolled = 0;
  readonly notEnrolled: Named[] = [];
  notEnrolledCount = 0;
  readonly inactive: (Named & { last_login: string | null })[] = [];
  inactiveCount = 0;
  readonly #cutoff: number;

  constructor(now: number) {
    this.#cutoff = now - INACTIVE_AFTER_DAYS * DAY_MS;
  }

  add(user: OktaUser, factors: StoredFactor[]): void {
    if (!ACTIVE_STATUSES.has(user.status)) return;
    this.active += 1;
    const named = { id: user.id, login: typeof user.profile?.login === 'string' ? user.profile.login : null };
    if (isMfaEnrolled(factors)) this.enrolled += 1;
    else {
      this.notEnrolledCount += 1;
      if (this.notEnrolled.length < LISTED_MAX) this.notEnrolled.push(named);
    }
    const lastLogin = typeof user.lastLogin === 'string' ? user.lastLogin : null;
    // Never signed in counts from the account's creation.
    const since = Date.parse(lastLogin ?? user.created ?? '');
    if (!Number.isNaN(since) && since < this.#cutoff) {
      this.inactiveCount += 1;
      if (this.inactive.length < LISTED_MAX) this.inactive.push({ ...named, last_login: lastLogin });
    }
  }

  evidence(): EvidenceItem[] {
    const pct = this.active === 0 ? 0 : Math.round((this.enrolled / this.active) * 1000) / 10;
    return [
      {
        kind: 'mfa_enrollment',
        summary: `${this.enrolled} of ${this.active} active users have an enrolled MFA factor (${pct}%)`,
        data: {
          active_users: this.active,
          mfa_enrolled: this.enrolled,
          mfa_enrolled_pct: pct,
          not_enrolled_count: this.notEnrolledCount,
          not_enrolled: this.notEnrolled,
        },
      },
      {
        kind: 'inactive_users',
        summary: `${this.inactiveCount} of ${this.active} active users have not signed in for ${INACTIVE_AFTER_DAYS} days`,
        data: {
          threshold_days: INACTIVE_AFTER_DAYS,
          active_users: this.active,
          inactive_count: this.inactiveCount,
          inactive_users: this.inactive,
        },
      },
    ];
  }
}

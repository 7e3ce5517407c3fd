/**
 * Evidence gathered while members stream by, over the active people (neither deactivated nor bots):
 * two-factor coverage, and guest access (single- and multi-channel guests). Only a listing of every
 * member makes it. Slack shows `has_2fa` to admins' tokens only: without it, coverage is unknown,
 * and the evidence says so instead of counting everyone as without.
 */
import type { EvidenceItem } from '../sdk.js';
import { percent } from '../toolkit/preview.js';
import type { UserRecord } from './records.js';

/** Members named in a piece of evidence at most; the counts cover all of them. */
const LISTED_MAX = 1_000;

interface Named {
  id: string;
  name: string | null;
  email: string | null;
}

const named = (user: UserRecord): Named => ({
  id: user.id,
  name: user.real_name ?? user.name,
  email: user.email,
});

export class MemberPosture {
  people = 0;
  twoFactorKnown = 0;
  withTwoFactor = 0;
  readonly withoutTwoFactor: Named[] = [];
  guests = 0;
  singleChannel = 0;
  readonly guestAccounts: (Named & { guest_type: UserRecord['guest_type'] })[] = [];

  add(user: UserRecord): void {
    if (user.deleted || user.is_bot) return;
    this.people += 1;
    if (user.has_2fa !== null) {
      this.twoFactorKnown += 1;
      if (user.has_2fa) this.withTwoFactor += 1;
      else if (this.withoutTwoFactor.length < LISTED_MAX) this.withoutTwoFactor.push(named(user));
    }
    if (user.guest_type !== null) {
      this.guests += 1;
      if (user.guest_type === 'single_channel') this.singleChannel += 1;
      if (this.guestAccounts.length < LISTED_MAX)
        this.guestAccounts.push({ ...named(user), guest_type: user.guest_type });
    }
  }

  evidence(): EvidenceItem[] {
    return [this.#twoFactor(), this.#guests()];
  }

  #twoFactor(): EvidenceItem {
    if (this.twoFactorKnown === 0) {
      return {
        kind: 'two_factor_coverage',
        summary: `Two-factor state of the ${this.people} active members is unknown: Slack shows it to admins' tokens only`,
        data: {
          active_members: this.people,
          two_factor_known: false,
          with_2fa: null,
          without_2fa: null,
          unknown: this.people,
          coverage_pct: null,
          members_without_2fa: [],
        },
      };
    }
    const without = this.twoFactorKnown - this.withTwoFactor;
    const pct = percent(this.withTwoFactor, this.twoFactorKnown);
    return {
      kind: 'two_factor_coverage',
      summary: `${this.withTwoFactor} of ${this.twoFactorKnown} active members have two-factor authentication (${pct}%)`,
      data: {
        active_members: this.people,
        two_factor_known: true,
        with_2fa: this.withTwoFactor,
        without_2fa: without,
        unknown: this.people - this.twoFactorKnown,
        coverage_pct: pct,
        members_without_2fa: this.withoutTwoFactor,
      },
    };
  }

  #guests(): EvidenceItem {
    const multi = this.guests - this.singleChannel;
    return {
      kind: 'guest_access',
      summary: `${this.guests} of ${this.people} active members are guests: ${this.singleChannel} single-channel, ${multi} multi-channel`,
      data: {
        active_members: this.people,
        guests: this.guests,
        single_channel_guests: this.singleChannel,
        multi_channel_guests: multi,
        guest_pct: percent(this.guests, this.people),
        guest_accounts: this.guestAccounts,
      },
    };
  }
}

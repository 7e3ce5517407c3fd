const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Whose requests count together: the caller (the signed-in user or API key, else the IP), the IP,
 * or the account named by the `email` of the JSON body (login, where nobody is signed in yet).
 */
export type LimitKey = 'caller' | 'ip' | 'account';

export interface LimitPolicy {
  readonly max: number;
  readonly windowMs: number;
  readonly per: LimitKey;
  /**
   * Only requests answered with a 4xx count (login: wrong passwords). Such a limit is checked before
   * the handler without counting, and counted once the request has failed.
   */
  readonly failuresOnly?: boolean;
}

/**
 * Every named limit. A route names the ones it counts against; each name has counters of its own.
 * Classes come from integration-provider-api.md, actions from external-system-integrations.md.
 */
export const rateLimits = {
  provider: { max: 100, windowMs: MINUTE, per: 'caller' },
  integration: { max: 200, windowMs: MINUTE, per: 'caller' },
  connection: { max: 50, windowMs: MINUTE, per: 'caller' },
  search: { max: 30, windowMs: MINUTE, per: 'caller' },
  widget: { max: 100, windowMs: MINUTE, per: 'caller' },
  CREATE_WORKSPACE: { max: 5, windowMs: HOUR, per: 'caller' },
  UPDATE_WORKSPACE: { max: 30, windowMs: MINUTE, per: 'caller' },
  INVITE_MEMBER: { max: 10, windowMs: MINUTE, per: 'caller' },
  SEND_INVITATION: { max: 10, windowMs: MINUTE, per: 'caller' },
  ACCEPT_INVITATION: { max: 10, windowMs: MINUTE, per: 'caller' },
  // Brute force against login: one address guessing many accounts, many addresses guessing one.
  login_ip: { max: 20, windowMs: MINUTE, per: 'ip' },
  // Failures only, so that someone logging in often is not locked out of their own account.
  login_account: { max: 10, windowMs: 15 * MINUTE, per: 'account', failuresOnly: true },
} as const satisfies Record<string, LimitPolicy>;

export type LimitName = keyof typeof rateLimits;

const windowText = (ms: number) => (ms === MINUTE ? 'min' : ms === HOUR ? 'hour' : `${ms / MINUTE} min`);

/** A limit as the OpenAPI document names it, e.g. `integration (200/min)`. */
export function describeLimit(name: LimitName): string {
  const policy: LimitPolicy = rateLimits[name];
  const failures = policy.failuresOnly ? ', failed requests only' : '';
  return `${name} (${policy.max}/${windowText(policy.windowMs)}${failures})`;
}

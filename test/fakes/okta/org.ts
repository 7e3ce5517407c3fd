/**
 * The ground truth a fake Okta org serves, in the shapes of Okta's Management API (developer.okta.com
 * /docs/api/openapi/okta-management: User, UserFactor, Group, Application, Policy, PolicyRule,
 * OrgSetting). Generated from counts, deterministically, so a test can compute what a connector
 * should report from the same objects.
 */

/** Okta's user statuses (User lifecycle). */
export type OktaUserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

export interface OktaUserJson {
  id: string;
  status: OktaUserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  type: { id: string };
  profile: { login: string; email: string; firstName: string; lastName: string; department?: string };
  credentials?: Record<string, unknown>;
}

export interface OktaFactorJson {
  id: string;
  factorType: string;
  provider: string;
  vendorName: string;
  status: 'ACTIVE' | 'PENDING_ACTIVATION' | 'NOT_SETUP' | 'INACTIVE' | 'EXPIRED';
  created: string;
  lastUpdated: string;
  profile: Record<string, unknown>;
}

export interface OktaGroupJson {
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  objectClass: string[];
  type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string | null };
}

export interface OktaAppJson {
  id: string;
  name: string;
  label: string;
  status: 'ACTIVE' | 'INACTIVE';
  signOnMode: string;
  created: string;
  lastUpdated: string;
  features: string[];
  visibility: { autoSubmitToolbar: boolean; hide: { iOS: boolean; web: boolean } };
}

export type OktaPolicyType = 'PASSWORD' | 'MFA_ENROLL' | 'OKTA_SIGN_ON';

export interface OktaPolicyJson {
  id: string;
  type: OktaPolicyType;
  name: string;
  description: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system: boolean;
  created: string;
  lastUpdated: string;
  conditions: Record<string, unknown> | null;
  settings?: Record<string, unknown>;
}

export interface OktaRuleJson {
  id: string;
  name: string;
  type: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system: boolean;
  created: string;
  lastUpdated: string;
  conditions: Record<string, unknown> | null;
  actions: Record<string, unknown>;
}

export interface OktaOrgSettingJson {
  id: string;
  companyName: string;
  subdomain: string;
  website: string;
  status: 'ACTIVE';
  created: string;
  lastUpdated: string;
}

export interface OktaOrgData {
  org: OktaOrgSettingJson;
  users: OktaUserJson[];
  factors: Map<string, OktaFactorJson[]>;
  groups: OktaGroupJson[];
  apps: OktaAppJson[];
  policies: OktaPolicyJson[];
  rules: Map<string, OktaRuleJson[]>;
}

export interface OrgOptions {
  users?: number;
  groups?: number;
  apps?: number;
  /** The org's time "now" when generated: last logins are placed relative to it. */
  now?: number;
  /** Each user's status by index (default: a mix with every status the connector reads). */
  status?: (index: number) => OktaUserStatus;
  password?: { minLength: number; complexity: boolean };
  /** Whether the MFA enrollment policy requires Okta Verify (else optional). */
  mfaRequired?: boolean;
  sessionLifetimeMinutes?: number;
}

const DAY = 86_400_000;

/** A 20-character Okta-style id whose order is the index's order (Okta's cursors follow ids). */
export function oktaId(prefix: string, index: number): string {
  return `${prefix}${index.toString(36).padStart(20 - prefix.length, '0')}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

function defaultStatus(index: number): OktaUserStatus {
  if (index % 12 === 5) return 'DEPROVISIONED';
  if (index % 12 === 7) return 'SUSPENDED';
  if (index % 12 === 9) return 'STAGED';
  if (index % 24 === 11) return 'PASSWORD_EXPIRED';
  if (index % 24 === 23) return 'LOCKED_OUT';
  return 'ACTIVE';
}

const FIRST = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'ken', 'dennis', 'margaret', 'linus', 'guido'];
const LAST = ['lovelace', 'hopper', 'turing', 'dijkstra', 'liskov', 'thompson', 'ritchie', 'hamilton'];

export function oktaUser(index: number, status: OktaUserStatus, now: number): OktaUserJson {
  const first = FIRST[index % FIRST.length]!;
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length]!;
  const login = `${first}.${last}${index}@acme.example`;
  const created = Date.UTC(2023, 0, 1) + index * 3_600_000;
  const never = status === 'STAGED' || status === 'PROVISIONED';
  // One in five signed in long ago (inactive), one in five never; the rest recently.
  const lastLogin = never || index % 5 === 0 ? null : index % 5 === 1 ? now - 200 * DAY : now - 3 * DAY;
  return {
    id: oktaId('00u', index),
    status,
    created: iso(created),
    activated: never ? null : iso(created + 60_000),
    statusChanged: iso(created + 120_000),
    lastLogin: lastLogin === null ? null : iso(lastLogin),
    lastUpdated: iso(Date.UTC(2024, 0, 1) + index * 60_000),
    passwordChanged: never ? null : iso(created + 60_000),
    type: { id: 'oty1abcdefghijklmnop' },
    profile: {
      login,
      email: login,
      firstName: first[0]!.toUpperCase() + first.slice(1),
      lastName: last[0]!.toUpperCase() + last.slice(1),
      department: ['Engineering', 'Sales', 'Finance'][index % 3]!,
    },
    credentials: {
      password: {},
      recovery_question: { question: 'Who is a major player in the cowboy scene?' },
      provider: { type: 'OKTA', name: 'OKTA' },
    },
  };
}

/** Factors by index: none, only a pending one, or one or two active ones. */
function factorsFor(index: number, user: OktaUserJson): OktaFactorJson[] {
  if (user.status === 'DEPROVISIONED' || user.status === 'STAGED') return [];
  const at = user.activated ?? user.created;
  const factor = (n: number, factorType: string, provider: string, status: OktaFactorJson['status']) => ({
    id: oktaId(factorType === 'push' ? 'opf' : 'ost', index * 4 + n),
    factorType,
    provider,
    vendorName: provider,
    status,
    created: at,
    lastUpdated: at,
    profile:
      factorType === 'push'
        ? { deviceType: 'SmartPhone_IPhone', name: 'iPhone' }
        : { credentialId: user.profile.login },
  });
  if (index % 6 === 0) return [];
  if (index % 6 === 1) return [factor(0, 'token:software:totp', 'GOOGLE', 'PENDING_ACTIVATION')];
  if (index % 6 === 2)
    return [factor(0, 'push', 'OKTA', 'ACTIVE'), factor(1, 'token:software:totp', 'OKTA', 'ACTIVE')];
  return [factor(0, 'push', 'OKTA', 'ACTIVE')];
}

function policies(options: OrgOptions): { policies: OktaPolicyJson[]; rules: Map<string, OktaRuleJson[]> } {
  const at = iso(Date.UTC(2023, 0, 1));
  const everyone = { people: { groups: { include: [oktaId('00g', 0)] } } };
  const password = options.password ?? { minLength: 12, complexity: true };
  const complexity = password.complexity ? 1 : 0;
  const policy = (
    n: number,
    type: OktaPolicyType,
    name: string,
    extra: Partial<OktaPolicyJson>,
  ): OktaPolicyJson => ({
    id: oktaId('00p', n),
    type,
    name,
    description: null,
    status: 'ACTIVE',
    priority: 1,
    system: true,
    created: at,
    lastUpdated: at,
    conditions: everyone,
    ...extra,
  });
  const list: OktaPolicyJson[] = [
    policy(1, 'PASSWORD', 'Default Policy', {
      settings: {
        password: {
          complexity: {
            minLength: password.minLength,
            minLowerCase: complexity,
            minUpperCase: complexity,
            minNumber: complexity,
            minSymbol: complexity,
            excludeUsername: true,
            excludeAttributes: [],
          },
          age: { maxAgeDays: 90, expireWarnDays: 7, minAgeMinutes: 0, historyCount: 4 },
          lockout: { maxAttempts: 10, autoUnlockMinutes: 0, showLockoutFailures: false },
        },
        recovery: { factors: { okta_email: { status: 'ACTIVE' } } },
        delegation: { options: { skipUnlock: false } },
      },
    }),
    policy(2, 'MFA_ENROLL', 'Default Policy', {
      settings: {
        type: 'AUTHENTICATORS',
        authenticators: [
          { key: 'okta_password', enroll: { self: 'REQUIRED' } },
          { key: 'okta_verify', enroll: { self: options.mfaRequired === false ? 'OPTIONAL' : 'REQUIRED' } },
          { key: 'okta_email', enroll: { self: 'NOT_ALLOWED' } },
        ],
      },
    }),
    policy(3, 'OKTA_SIGN_ON', 'Default Policy', { conditions: null }),
    policy(4, 'OKTA_SIGN_ON', 'Legacy contractors', { status: 'INACTIVE', system: false }),
  ];
  const rule = (n: number, name: string, status: OktaRuleJson['status'], lifetime: number): OktaRuleJson => ({
    id: oktaId('0pr', n),
    name,
    type: 'SIGN_ON',
    status,
    priority: n,
    system: n === 1,
    created: at,
    lastUpdated: at,
    conditions: { network: { connection: 'ANYWHERE' }, authContext: { authType: 'ANY' } },
    actions: {
      signon: {
        access: 'ALLOW',
        requireFactor: true,
        factorPromptMode: 'ALWAYS',
        rememberDeviceByDefault: false,
        session: {
          maxSessionIdleMinutes: 120,
          maxSessionLifetimeMinutes: lifetime,
          usePersistentCookie: false,
        },
      },
    },
  });
  const rules = new Map<string, OktaRuleJson[]>([
    [
      oktaId('00p', 3),
      [
        rule(1, 'Default Rule', 'ACTIVE', options.sessionLifetimeMinutes ?? 60),
        // An inactive rule with no lifetime limit: it must not count.
        rule(2, 'Old rule', 'INACTIVE', 0),
      ],
    ],
    [oktaId('00p', 4), [rule(3, 'Contractors', 'ACTIVE', 0)]],
  ]);
  return { policies: list, rules };
}

export function oktaOrg(options: OrgOptions = {}): OktaOrgData {
  const now = options.now ?? Date.now();
  const status = options.status ?? defaultStatus;
  const users: OktaUserJson[] = [];
  const factors = new Map<string, OktaFactorJson[]>();
  for (let i = 0; i < (options.users ?? 30); i++) {
    const user = oktaUser(i, status(i), now);
    users.push(user);
    factors.set(user.id, factorsFor(i, user));
  }
  const at = iso(Date.UTC(2023, 0, 1));
  const groups: OktaGroupJson[] = [];
  for (let i = 0; i <= (options.groups ?? 5); i++) {
    groups.push({
      id: oktaId('00g', i),
      created: at,
      lastUpdated: at,
      lastMembershipUpdated: at,
      objectClass: ['okta:user_group'],
      type: i === 0 ? 'BUILT_IN' : 'OKTA_GROUP',
      profile:
        i === 0
          ? { name: 'Everyone', description: 'All users in your organization' }
          : { name: `Team ${i}`, description: null },
    });
  }
  const apps: OktaAppJson[] = [];
  for (let i = 0; i < (options.apps ?? 8); i++) {
    apps.push({
      id: oktaId('0oa', i),
      name: `app_${i}`,
      label: `App ${i}`,
      status: i % 4 === 3 ? 'INACTIVE' : 'ACTIVE',
      signOnMode: i % 2 === 0 ? 'SAML_2_0' : 'OPENID_CONNECT',
      created: at,
      lastUpdated: at,
      features: [],
      visibility: { autoSubmitToolbar: false, hide: { iOS: false, web: false } },
    });
  }
  return {
    org: {
      id: '00o1234567890abcdefg',
      companyName: 'Acme Corp',
      subdomain: 'acme',
      website: 'https://acme.example',
      status: 'ACTIVE',
      created: at,
      lastUpdated: at,
    },
    users,
    factors,
    groups,
    apps,
    ...policies(options),
  };
}

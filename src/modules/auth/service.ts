import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { recordAudit } from '../audit/service.js';
import { findMemberRole, firstOrgOf } from '../members/store.js';
import { findOrg, orgsOfMember } from '../orgs/store.js';
import { checkCredentials } from '../users/service.js';
import { findAccount, updateUser } from '../users/store.js';
import type { AccessTokens } from './access-tokens.js';
import { registerAccount } from './accounts.js';
import type { Actor, Principal } from './principal.js';
import type { Sessions, TokenPair } from './sessions.js';

export interface UserSummary {
  id: string;
  email: string;
  name: string;
  is_super_admin: boolean;
}

export interface OrgSummary {
  id: string;
  name: string;
  slug: string;
}

/** A session's tokens, with who it is for and in which org. */
export type SessionView = TokenPair & { user: UserSummary; org: OrgSummary };

/** Where a request came from, for the audit entries of sign-ins. */
export type RequestMeta = Omit<Actor, 'type' | 'id' | 'name'>;

export interface Identity {
  kind: Principal['kind'];
  user: UserSummary | null;
  api_key: { id: string; name: string } | null;
  org: OrgSummary;
  role: string | null;
  permissions: string[];
  orgs: (OrgSummary & { role: string })[];
}

/** Registration, login, token refresh and logout, the caller's identity, switching org. */
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly sessions: Sessions,
    private readonly accessTokens: AccessTokens,
    private readonly allowRegistration: boolean,
  ) {}

  /** An account and a new org it administers, signed in to that org. */
  async register(
    input: { email: string; password: string; name: string; orgName: string },
    meta: RequestMeta,
    now: Date,
  ): Promise<SessionView> {
    if (!this.allowRegistration) throw new AppError('REGISTRATION_DISABLED');
    const { user, org } = await registerAccount(this.db, input, meta, now);
    return this.#view(await this.sessions.start(user.id, org.id), user.id, org.id);
  }

  /** Signs in to `orgId`, or to the first org the user joined. */
  async login(
    input: { email: string; password: string; orgId?: string },
    meta: RequestMeta,
    now: Date,
  ): Promise<SessionView> {
    const user = await checkCredentials(this.db, input.email, input.password);
    let orgId: string | undefined;
    if (input.orgId === undefined) {
      orgId = await firstOrgOf(this.db, user.id);
      if (orgId === undefined)
        throw new AppError('FORBIDDEN', 'This account is not a member of any organisation');
    } else {
      if ((await findMemberRole(this.db, input.orgId, user.id)) === undefined)
        throw new AppError('ORG_NOT_FOUND');
      orgId = input.orgId;
    }
    await this.db.transaction().execute(async (tx) => {
      await updateUser(tx, user.id, { last_login_at: now.toISOString() });
      await recordAudit(
        tx,
        { ...meta, type: 'user', id: user.id, name: user.name },
        { orgId, action: 'auth.login', targetType: 'user', targetId: user.id },
        now,
      );
    });
    return this.#view(await this.sessions.start(user.id, orgId), user.id, orgId);
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<SessionView> {
    const pair = await this.sessions.refresh(refreshToken, meta);
    const claims = await this.accessTokens.verify(pair.access_token);
    return this.#view(pair, claims.userId, claims.orgId);
  }

  /** Ends the token's session; an unknown token changes nothing (logout is idempotent). */
  async logout(refreshToken: string, meta: RequestMeta, now: Date): Promise<void> {
    const userId = await this.sessions.end(refreshToken);
    if (userId) {
      await recordAudit(
        this.db,
        { ...meta, type: 'user', id: userId, name: null },
        { orgId: null, action: 'auth.logout', targetType: 'user', targetId: userId },
        now,
      );
    }
  }

  /** Tokens for another org the user belongs to. */
  async switchOrg(userId: string, orgId: string): Promise<SessionView> {
    if ((await findMemberRole(this.db, orgId, userId)) === undefined) throw new AppError('ORG_NOT_FOUND');
    return this.#view(await this.sessions.start(userId, orgId), userId, orgId);
  }

  /** Who the caller is: user or API key, active org, role, effective permissions, orgs. */
  async identify(principal: Principal): Promise<Identity> {
    const org = await findOrg(this.db, principal.orgId);
    if (!org) throw new AppError('UNAUTHORIZED', 'Your organisation no longer exists');
    const orgSummary = orgSummaryOf(org);
    const isUser = principal.kind === 'user';
    const account = isUser ? await findAccount(this.db, principal.id) : undefined;
    return {
      kind: principal.kind,
      user: account ? userSummaryOf(account) : null,
      api_key: isUser ? null : { id: principal.id, name: principal.name },
      org: orgSummary,
      role: principal.role,
      permissions: [...principal.permissions].sort(),
      orgs: isUser ? await orgsOfMember(this.db, principal.id) : [{ ...orgSummary, role: 'api_key' }],
    };
  }

  async #view(pair: TokenPair, userId: string, orgId: string): Promise<SessionView> {
    const [account, org] = await Promise.all([findAccount(this.db, userId), findOrg(this.db, orgId)]);
    // The session was just issued for this user and org, so both exist.
    if (!account || !org) throw new Error(`No user ${userId} or org ${orgId} behind a new session`);
    return { ...pair, user: userSummaryOf(account), org: orgSummaryOf(org) };
  }
}

// Only these fields: an account row also carries its password hash.
function userSummaryOf(account: UserSummary): UserSummary {
  return { id: account.id, email: account.email, name: account.name, is_super_admin: account.is_super_admin };
}

function orgSummaryOf(org: OrgSummary): OrgSummary {
  return { id: org.id, name: org.name, slug: org.slug };
}

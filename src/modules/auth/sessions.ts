import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import { randomToken, sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import { findMemberRole } from '../members/store.js';
import { findOrg } from '../orgs/store.js';
import { findAccount } from '../users/store.js';
import type { AccessTokens } from './access-tokens.js';
import { isOrgRole } from './permissions.js';
import type { Actor } from './principal.js';
import type { PrincipalCache } from './principal-cache.js';
import {
  findRefreshToken,
  insertRefreshToken,
  liveTokenIds,
  revokeFamily,
  revokeRefreshToken,
  revokeTokens,
  revokeUserTokens,
} from './store.js';

/** At most this many live refresh tokens per user; a new one revokes the oldest. */
export const MAX_ACTIVE_REFRESH_TOKENS = 5;

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: string;
  refresh_token: string;
  refresh_expires_at: string;
}

/**
 * Login sessions: short-lived access tokens and opaque refresh tokens that rotate on every use.
 * Tokens descend from one login in a family; presenting a token that was already rotated means it
 * leaked, so the whole family is revoked. Refresh after the org's inactivity timeout is refused.
 * The family id is the session id access tokens carry: once no token of the family is live, its
 * access tokens are refused too, so everything that ends sessions tells the PrincipalCache.
 */
export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly accessTokens: AccessTokens,
    private readonly config: Config['auth'],
    private readonly clock: Clock,
    private readonly principals: PrincipalCache,
  ) {}

  /** Starts a new family for a user in an org (login, register, switch-org). */
  async start(userId: string, orgId: string): Promise<TokenPair> {
    const { pair, capped } = await this.db.transaction().execute(async (tx) => {
      const pair = await this.#issue(tx, userId, orgId, newId());
      return { pair, capped: await this.#enforceCap(tx, userId) };
    });
    if (capped) await this.principals.invalidate();
    return pair;
  }

  async refresh(refreshToken: string, actor: Omit<Actor, 'type' | 'id' | 'name'>): Promise<TokenPair> {
    const now = this.clock.now();
    let ended = false;
    const outcome = await this.db.transaction().execute(async (tx) => {
      const token = await findRefreshToken(tx, sha256Hex(refreshToken));
      const org = token && (await findOrg(tx, token.org_id));
      if (!token || !org) return { error: new AppError('UNAUTHORIZED', 'Invalid refresh token') };
      const tokenActor: Actor = { ...actor, type: 'user', id: token.user_id, name: null };
      if (token.revoked_at !== null) {
        if (token.revoked_reason === 'rotated') {
          await revokeFamily(tx, token.family_id, 'reuse_detected', now.toISOString());
          ended = true;
          await recordAudit(
            tx,
            tokenActor,
            {
              orgId: token.org_id,
              action: 'auth.refresh_token_reused',
              targetType: 'session',
              targetId: token.family_id,
            },
            now,
          );
          return {
            error: new AppError(
              'UNAUTHORIZED',
              'Refresh token already used; every session of this login is revoked',
            ),
          };
        }
        return { error: new AppError('UNAUTHORIZED', 'Refresh token revoked') };
      }
      if (new Date(token.expires_at) <= now)
        return { error: new AppError('UNAUTHORIZED', 'Refresh token expired') };
      const idleMs = now.getTime() - new Date(token.created_at).getTime();
      if (idleMs > org.session_timeout_mins * 60_000) {
        await revokeFamily(tx, token.family_id, 'inactivity', now.toISOString());
        ended = true;
        return { error: new AppError('SESSION_EXPIRED') };
      }
      // Only one concurrent refresh of the same token can win the rotation.
      if (!(await revokeRefreshToken(tx, token.id, 'rotated', now.toISOString())))
        return { error: new AppError('UNAUTHORIZED', 'Refresh token revoked') };
      return { pair: await this.#issue(tx, token.user_id, token.org_id, token.family_id) };
    });
    if (ended) await this.principals.invalidate();
    if ('error' in outcome) throw outcome.error;
    return outcome.pair;
  }

  /** Logout: the presented token's whole family. Unknown tokens are ignored (logout is idempotent). */
  async end(refreshToken: string): Promise<string | null> {
    const token = await findRefreshToken(this.db, sha256Hex(refreshToken));
    if (!token) return null;
    await revokeFamily(this.db, token.family_id, 'logout', this.clock.now().toISOString());
    await this.principals.invalidate();
    return token.user_id;
  }

  /**
   * Revokes every session a user has (in one org, when given), inside the caller's transaction: a
   * membership removed, an account deactivated. The caller changes the membership or user in the
   * same transaction and invalidates the PrincipalCache once it has committed.
   */
  async endAll(
    tx: Db,
    scope: { userId: string; orgId?: string },
    reason: 'membership_removed' | 'deactivated',
  ): Promise<void> {
    await revokeUserTokens(tx, scope, reason, this.clock.now().toISOString());
  }

  async #issue(db: Db, userId: string, orgId: string, familyId: string): Promise<TokenPair> {
    const now = this.clock.now();
    const role = await findMemberRole(db, orgId, userId);
    const account = await findAccount(db, userId);
    if (!account?.is_active || role === undefined || !isOrgRole(role)) {
      throw new AppError('UNAUTHORIZED', 'No longer a member of this organisation');
    }
    const refresh = randomToken(32);
    const refreshExpires = new Date(now.getTime() + this.config.refreshTokenTtlDays * 86_400_000);
    await insertRefreshToken(db, {
      id: newId(),
      user_id: userId,
      org_id: orgId,
      family_id: familyId,
      token_hash: sha256Hex(refresh),
      expires_at: refreshExpires.toISOString(),
      revoked_at: null,
      revoked_reason: null,
      created_at: now.toISOString(),
    });
    const access = await this.accessTokens.sign({ userId, orgId, sessionId: familyId });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: this.config.accessTokenTtlSeconds,
      expires_at: access.expiresAt.toISOString(),
      refresh_token: refresh,
      refresh_expires_at: refreshExpires.toISOString(),
    };
  }

  /** True when it ended sessions. */
  async #enforceCap(db: Db, userId: string): Promise<boolean> {
    const now = this.clock.now().toISOString();
    const excess = (await liveTokenIds(db, userId, now)).slice(MAX_ACTIVE_REFRESH_TOKENS);
    if (excess.length === 0) return false;
    await revokeTokens(db, excess, 'session_limit', now);
    return true;
  }
}

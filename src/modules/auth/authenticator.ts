import type { Clock } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { findKeyWithCreator } from '../api-keys/store.js';
import type { ApiKeyUsage } from '../api-keys/usage.js';
import type { AccessClaims, AccessTokens } from './access-tokens.js';
import { isOrgRole, ORG_ROLES, type Permission, permissionsOf } from './permissions.js';
import type { Principal } from './principal.js';
import type { LivePrincipal, PrincipalCache } from './principal-cache.js';
import { findLiveSession } from './store.js';

const rolePermissions = new Map(ORG_ROLES.map((r) => [r, permissionsOf(r)] as const));

/**
 * Turns an `Authorization` header into a Principal: a JWT access token or an API key, one path.
 * Either way the principal is the credential's current state (membership, role, account, session,
 * key), from the PrincipalCache when warm, never from what was true when the credential was issued.
 */
export class Authenticator {
  constructor(
    private readonly db: Db,
    private readonly accessTokens: AccessTokens,
    private readonly usage: ApiKeyUsage,
    private readonly cache: PrincipalCache,
    private readonly apiKeyPrefix: string,
    private readonly clock: Clock,
  ) {}

  /** Null when there are no credentials; throws UNAUTHORIZED when there are bad ones. */
  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer +(\S+)$/i.exec(authorization);
    if (!match) throw new AppError('UNAUTHORIZED', 'Authorization must be "Bearer <token>"');
    const token = match[1]!;
    return token.startsWith(this.apiKeyPrefix) ? this.#apiKey(token) : this.#accessToken(token);
  }

  async #accessToken(token: string): Promise<Principal> {
    const live = await this.#liveSession(await this.accessTokens.verify(token));
    if (!live) throw new AppError('UNAUTHORIZED', 'Session ended or no longer a member of this organisation');
    return live.principal;
  }

  /**
   * The user of a live session, with their role in the session's org as it is now: from the cache,
   * or from the database (then cached). Undefined once the session has ended (logout, reuse,
   * membership removed, deactivation) or the user is no longer an active member.
   */
  async #liveSession(claims: AccessClaims): Promise<LivePrincipal | undefined> {
    const cached = this.cache.get('user', claims.sessionId);
    if (cached) return cached;
    const generation = this.cache.generation;
    const row = await findLiveSession(this.db, claims);
    if (!row?.is_active || !isOrgRole(row.role)) return undefined;
    const live: LivePrincipal = {
      expiresAt: null,
      principal: {
        kind: 'user',
        id: claims.userId,
        userId: claims.userId,
        name: row.name,
        orgId: claims.orgId,
        role: row.role,
        permissions: rolePermissions.get(row.role)!,
        isSuperAdmin: row.is_super_admin,
      },
    };
    this.cache.remember('user', claims.sessionId, live, generation);
    return live;
  }

  /** A live key, as a principal with its expiry: from the cache, or from the database (then cached). */
  async #liveKey(hash: string): Promise<LivePrincipal | undefined> {
    const cached = this.cache.get('api_key', hash);
    if (cached) return cached;
    const generation = this.cache.generation;
    const row = await findKeyWithCreator(this.db, hash);
    if (!row || row.revoked_at !== null) return undefined;
    // A key never exceeds its creator: its scopes, cut down to what the creator may still do (nothing
    // once the creator has left the org or been deactivated).
    const creator: ReadonlySet<Permission> =
      row.is_active && row.role && isOrgRole(row.role)
        ? rolePermissions.get(row.role)!
        : new Set<Permission>();
    const live: LivePrincipal = {
      expiresAt: Date.parse(row.expires_at),
      principal: {
        kind: 'api_key',
        id: row.id,
        userId: row.created_by,
        name: row.name,
        orgId: row.org_id,
        role: null,
        permissions: new Set((row.scopes as Permission[]).filter((s) => creator.has(s))),
        isSuperAdmin: false,
      },
    };
    this.cache.remember('api_key', hash, live, generation);
    return live;
  }

  async #apiKey(token: string): Promise<Principal> {
    const key = await this.#liveKey(sha256Hex(token));
    if (!key) throw new AppError('UNAUTHORIZED', 'Invalid or revoked API key');
    const now = this.clock.now();
    if (key.expiresAt !== null && key.expiresAt <= now.getTime())
      throw new AppError('UNAUTHORIZED', 'API key expired');
    this.usage.record(key.principal.id, now);
    return key.principal;
  }
}

import type { Clock } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { ApiKeyCache, LiveKey } from '../api-keys/cache.js';
import type { ApiKeyUsage } from '../api-keys/usage.js';
import type { AccessTokens } from './access-tokens.js';
import { isOrgRole, ORG_ROLES, type Permission, permissionsOf } from './permissions.js';
import type { Principal } from './principal.js';

const rolePermissions = new Map(ORG_ROLES.map((r) => [r, permissionsOf(r)] as const));

/** Turns an `Authorization` header into a Principal: a JWT access token or an API key, one path. */
export class Authenticator {
  constructor(
    private readonly db: Db,
    private readonly accessTokens: AccessTokens,
    private readonly usage: ApiKeyUsage,
    private readonly cache: ApiKeyCache,
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
    const claims = await this.accessTokens.verify(token);
    return {
      kind: 'user',
      id: claims.userId,
      userId: claims.userId,
      name: claims.name,
      orgId: claims.orgId,
      role: claims.role,
      permissions: rolePermissions.get(claims.role)!,
      isSuperAdmin: claims.isSuperAdmin,
    };
  }

  /** A live key, as a principal with its expiry: from the cache, or from the database (then cached). */
  async #liveKey(hash: string): Promise<LiveKey | undefined> {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const generation = this.cache.generation;
    const row = await this.db
      .selectFrom('api_keys as k')
      .leftJoin('memberships as m', (j) =>
        j.onRef('m.org_id', '=', 'k.org_id').onRef('m.user_id', '=', 'k.created_by'),
      )
      .select([
        'k.id',
        'k.name',
        'k.org_id',
        'k.scopes',
        'k.created_by',
        'k.expires_at',
        'k.revoked_at',
        'm.role',
      ])
      .where('k.key_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return undefined;
    // A key never exceeds its creator: its scopes, cut down to what the creator may still do.
    const creator: ReadonlySet<Permission> =
      row.role && isOrgRole(row.role) ? rolePermissions.get(row.role)! : new Set<Permission>();
    const live: LiveKey = {
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
    this.cache.remember(hash, live, generation);
    return live;
  }

  async #apiKey(token: string): Promise<Principal> {
    const key = await this.#liveKey(sha256Hex(token));
    if (!key) throw new AppError('UNAUTHORIZED', 'Invalid or revoked API key');
    const now = this.clock.now();
    if (key.expiresAt <= now.getTime()) throw new AppError('UNAUTHORIZED', 'API key expired');
    this.usage.record(key.principal.id, now);
    return key.principal;
  }
}

import type { Config } from '../../config.js';
import { randomToken, sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Caller, Principal } from '../auth/principal.js';
import type { PrincipalCache } from '../auth/principal-cache.js';
import { recordEvent } from '../events/outbox.js';
import {
  type ApiKeyRow,
  findApiKey,
  insertApiKey,
  listApiKeys,
  replaceApiKeySecret,
  revokeApiKey,
} from './store.js';

const DAY_MS = 86_400_000;
// Enough of the random part to tell keys apart in a list; far too little to help guess the rest.
const DISPLAY_CHARS = 8;

/** A key as handed out: the row, and the key itself, which exists in clear only in this answer. */
export type IssuedApiKey = ApiKeyRow & { key: string };

/** Whoever receives a key's secret must hold every scope it carries, so a key never exceeds its holder. */
function requireGrantable(holder: Principal, scopes: readonly string[]): void {
  const granted: ReadonlySet<string> = holder.permissions;
  const denied = scopes.filter((s) => !granted.has(s));
  if (denied.length > 0) {
    throw new AppError('FORBIDDEN', `You may not grant: ${denied.join(', ')}`, { scopes: denied });
  }
}

/**
 * An org's API keys. Revoking or rotating one tells the PrincipalCache once committed, so the old
 * key is refused from the next request on.
 */
export class ApiKeyService {
  constructor(
    private readonly db: Db,
    private readonly principals: PrincipalCache,
    private readonly settings: Config['apiKeys'],
  ) {}

  /** The database keeps the key's hash; the key is in the returned secret only. */
  #newSecret(): { key: string; prefix: string; keyHash: string } {
    const keyPrefix = this.settings.prefix;
    const key = `${keyPrefix}${randomToken(32)}`;
    return { key, prefix: key.slice(0, keyPrefix.length + DISPLAY_CHARS), keyHash: sha256Hex(key) };
  }

  list({ orgId }: Caller, page: PageQuery): Promise<{ rows: ApiKeyRow[]; total: number }> {
    return listApiKeys(this.db, orgId, page);
  }

  /** A key for `holder` (a person: a key must not mint keys), with scopes the holder has. */
  async create(
    { orgId, actor, now }: Caller,
    holder: Principal,
    input: { name: string; scopes: string[]; expiresInDays?: number },
  ): Promise<IssuedApiKey> {
    requireGrantable(holder, input.scopes);
    const days = input.expiresInDays ?? this.settings.expiryDays;
    const secret = this.#newSecret();
    const key: ApiKeyRow = {
      id: newId(),
      name: input.name,
      prefix: secret.prefix,
      scopes: input.scopes,
      created_by: holder.id,
      expires_at: new Date(now.getTime() + days * DAY_MS).toISOString(),
      revoked_at: null,
      last_used_at: null,
      usage_count: 0,
      created_at: now.toISOString(),
    };
    await this.db.transaction().execute(async (tx) => {
      await insertApiKey(tx, orgId, key, secret.keyHash);
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'api_key.created',
          targetType: 'api_key',
          targetId: key.id,
          changedFields: ['name', 'scopes', 'expires_at'],
        },
        now,
      );
      await recordEvent(
        tx,
        {
          type: 'api_key.created',
          orgId,
          subjectId: key.id,
          payload: { name: key.name, scopes: [...key.scopes], expires_at: key.expires_at },
        },
        now,
      );
    });
    return { ...key, key: secret.key };
  }

  /** Revoking a revoked key changes nothing; a key of no such id in the org is API_KEY_NOT_FOUND. */
  async revoke({ orgId, actor, now }: Caller, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (await revokeApiKey(tx, orgId, id, now.toISOString())) {
        await recordAudit(
          tx,
          actor,
          {
            orgId,
            action: 'api_key.revoked',
            targetType: 'api_key',
            targetId: id,
            changedFields: ['revoked_at'],
          },
          now,
        );
        const revoked = await findApiKey(tx, orgId, id);
        await recordEvent(
          tx,
          { type: 'api_key.revoked', orgId, subjectId: id, payload: { name: revoked?.name ?? '' } },
          now,
        );
      } else if (!(await findApiKey(tx, orgId, id))) {
        throw new AppError('API_KEY_NOT_FOUND');
      }
    });
    await this.principals.invalidate();
  }

  /** A new value for a live key, handed to `holder`, who must hold its scopes; the old one stops at once. */
  async rotate({ orgId, actor, now }: Caller, holder: Principal, id: string): Promise<IssuedApiKey> {
    const secret = this.#newSecret();
    const key = await this.db.transaction().execute(async (tx) => {
      const key = await findApiKey(tx, orgId, id);
      if (!key) throw new AppError('API_KEY_NOT_FOUND');
      requireGrantable(holder, key.scopes);
      if (key.revoked_at !== null) throw new AppError('API_KEY_INACTIVE', 'API key is revoked');
      if (new Date(key.expires_at) <= now) throw new AppError('API_KEY_INACTIVE', 'API key has expired');
      // Conditional on the key still being live: a revocation that won the race stays in force.
      if (!(await replaceApiKeySecret(tx, orgId, id, secret))) {
        throw new AppError('API_KEY_INACTIVE', 'API key is revoked');
      }
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'api_key.rotated',
          targetType: 'api_key',
          targetId: id,
          changedFields: ['key'],
        },
        now,
      );
      await recordEvent(
        tx,
        { type: 'api_key.rotated', orgId, subjectId: id, payload: { name: key.name } },
        now,
      );
      return { ...key, prefix: secret.prefix };
    });
    await this.principals.invalidate();
    return { ...key, key: secret.key };
  }
}

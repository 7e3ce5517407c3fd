import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { type PageQuery, pageWindow } from '../../platform/http/envelope.js';

/** An API key as it may be shown: never the key, never its hash. */
export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_by: string | null;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  usage_count: number;
  created_at: string;
}

const columns = [
  'id',
  'name',
  'prefix',
  'scopes',
  'created_by',
  'expires_at',
  'revoked_at',
  'last_used_at',
  'usage_count',
  'created_at',
] as const;

export interface KeyWithCreator {
  id: string;
  name: string;
  org_id: string;
  scopes: string[];
  created_by: string | null;
  expires_at: string;
  revoked_at: string | null;
  role: string | null;
  is_active: boolean | null;
}

/**
 * A key by its hash, with its creator's role in the key's org and whether their account is active
 * (null once they left): read on every request whose principal is not cached, hence one query.
 */
export async function findKeyWithCreator(db: Db, keyHash: string): Promise<KeyWithCreator | undefined> {
  return db
    .selectFrom('api_keys as k')
    .leftJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 'k.org_id').onRef('m.user_id', '=', 'k.created_by'),
    )
    .leftJoin('users as u', 'u.id', 'k.created_by')
    .select([
      'k.id',
      'k.name',
      'k.org_id',
      'k.scopes',
      'k.created_by',
      'k.expires_at',
      'k.revoked_at',
      'm.role',
      'u.is_active',
    ])
    .where('k.key_hash', '=', keyHash)
    .executeTakeFirst();
}

export async function listApiKeys(
  db: Db,
  orgId: string,
  page: PageQuery,
): Promise<{ rows: ApiKeyRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    db
      .selectFrom('api_keys')
      .select(columns)
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.total };
}

export async function findApiKey(db: Db, orgId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertApiKey(db: Db, orgId: string, key: ApiKeyRow, keyHash: string): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({ ...key, org_id: orgId, key_hash: keyHash })
    .execute();
}

/** Marks a live key revoked; false when there was no live key of that id in the org. */
export async function revokeApiKey(db: Db, orgId: string, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Gives a live key a new secret: the old hash stops matching at once. False when the key was revoked
 * meanwhile, so a rotation never hands out a secret for a revoked key.
 */
export async function replaceApiKeySecret(
  db: Db,
  orgId: string,
  id: string,
  secret: { prefix: string; keyHash: string },
): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ prefix: secret.prefix, key_hash: secret.keyHash })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Adds a batch of uses to a key's count. */
export async function addApiKeyUsage(db: Db, id: string, count: number, lastUsedAt: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ usage_count: sql<number>`usage_count + ${count}`, last_used_at: lastUsedAt })
    .where('id', '=', id)
    .execute();
}

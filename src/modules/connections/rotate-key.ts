import type { NotNull } from 'kysely';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { ConnectionSecrets } from './secrets.js';

const BATCH_SIZE = 500;

export interface SealedRow {
  id: string;
  org_id: string;
  secrets: string;
}

/** What happened to one row: `changed` means another writer replaced its secrets meanwhile. */
export type RowOutcome = 'reencrypted' | 'current' | 'changed' | 'failed';

export interface RotationResult {
  /** Connections holding secrets. */
  scanned: number;
  reencrypted: number;
  alreadyCurrent: number;
  /** Rewritten by someone else between our read and our write; left as that writer sealed it. */
  changed: number;
  failed: number;
  /** The connections that did not decrypt (ids only: never their content). */
  failedIds: string[];
}

/**
 * Re-seals one row's secrets under the primary key. The write is a compare-and-set on the value
 * read, so a concurrent update from a running API (already sealing with the new key) wins.
 */
export async function reencryptRow(db: Db, secretBox: SecretBox, row: SealedRow): Promise<RowOutcome> {
  const vault = new ConnectionSecrets(secretBox);
  let resealed: string | null;
  try {
    if (secretBox.isCurrent(row.secrets)) return 'current';
    resealed = vault.seal(row.org_id, row.id, vault.open(row.org_id, row.id, row.secrets));
  } catch {
    // Malformed, foreign, unknown key, or not JSON: all mean the stored value cannot be carried over.
    return 'failed';
  }
  // An opened value that is not an object would seal to null; it is not ours to erase.
  if (resealed === null) return 'failed';
  // updated_at is left alone: the connection's content did not change.
  const result = await db
    .updateTable('integration_connections')
    .set({ secrets: resealed })
    .where('id', '=', row.id)
    .where('secrets', '=', row.secrets)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? 'reencrypted' : 'changed';
}

/** Walks every connection with secrets, in id order, and re-seals those not under the primary key. */
export async function reencryptSecrets(
  db: Db,
  secretBox: SecretBox,
  logger?: Logger,
): Promise<RotationResult> {
  const result: RotationResult = {
    scanned: 0,
    reencrypted: 0,
    alreadyCurrent: 0,
    changed: 0,
    failed: 0,
    failedIds: [],
  };
  let after: string | undefined;
  for (;;) {
    let query = db
      .selectFrom('integration_connections')
      .select(['id', 'org_id', 'secrets'])
      .where('secrets', 'is not', null)
      .$narrowType<{ secrets: NotNull }>()
      .orderBy('id')
      .limit(BATCH_SIZE);
    if (after !== undefined) query = query.where('id', '>', after);
    const batch = await query.execute();
    for (const row of batch) {
      result.scanned++;
      const outcome = await reencryptRow(db, secretBox, row);
      if (outcome === 'reencrypted') result.reencrypted++;
      else if (outcome === 'current') result.alreadyCurrent++;
      else if (outcome === 'changed') result.changed++;
      else {
        result.failed++;
        result.failedIds.push(row.id);
        logger?.warn({ connection_id: row.id }, 'connection secrets do not decrypt with any configured key');
      }
    }
    const last = batch.at(-1);
    if (!last || batch.length < BATCH_SIZE) break;
    after = last.id;
  }
  logger?.info(
    {
      scanned: result.scanned,
      reencrypted: result.reencrypted,
      already_current: result.alreadyCurrent,
      changed: result.changed,
      failed: result.failed,
      key_id: secretBox.primaryKeyId,
    },
    'connection secrets re-encrypted',
  );
  return result;
}

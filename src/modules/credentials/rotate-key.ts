import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { SYSTEM_ACTOR } from '../auth/principal.js';
import { recordChange } from '../connections/change.js';
import { ConnectionSecrets } from '../connections/secrets.js';
import { connectionsWithSecrets, replaceSecrets } from '../connections/store.js';
import { openEndpointSecret, sealEndpointSecret } from '../webhook-endpoints/secret.js';
import { endpointsWithSecrets, replaceEndpointSecrets } from '../webhook-endpoints/storage/endpoints.js';
import { openWebhookSecret, sealWebhookSecret } from '../webhooks/secret.js';
import { replaceWebhookSecret, webhooksWithSecrets } from '../webhooks/storage/webhooks.js';
import { replaceUserSecrets, userCredentialsWithSecrets } from './store.js';

const BATCH_SIZE = 500;

export interface SealedRow {
  id: string;
  org_id: string;
  secrets: string;
}

/** A user's own credential (user_credentials), sealed to its org, connection and user. */
export interface SealedUserRow {
  connection_id: string;
  user_id: string;
  org_id: string;
  secrets: string;
}

/** What happened to one row: `changed` means another writer replaced its secrets meanwhile. */
export type RowOutcome = 'reencrypted' | 'current' | 'changed' | 'failed';

export interface RotationResult {
  /** Connections, users' own credentials, inbound webhooks and outbound endpoints holding secrets. */
  scanned: number;
  reencrypted: number;
  alreadyCurrent: number;
  /** Rewritten by someone else between our read and our write; left as that writer sealed it. */
  changed: number;
  failed: number;
  /**
   * What did not decrypt (ids only, never their content): connection ids, `<connection>:<user>` for
   * users' credentials, `webhook:<id>` for webhooks, `webhook_endpoint:<id>` for endpoints.
   */
  failedIds: string[];
}

/** The value re-sealed under the primary key, `current` when it already is, `failed` when it cannot be opened. */
function reseal(
  secretBox: SecretBox,
  sealed: string,
  open: () => string | null,
): string | 'current' | 'failed' {
  try {
    if (secretBox.isCurrent(sealed)) return 'current';
    // An opened value that is not an object would seal to null; it is not ours to erase.
    return open() ?? 'failed';
  } catch {
    // Malformed, foreign, unknown key, or not JSON: all mean the stored value cannot be carried over.
    return 'failed';
  }
}

/**
 * Re-seals one row's secrets under the primary key, with its `connection.updated` event and audit
 * entry. The write is a compare-and-set on the value read, so a concurrent update from a running
 * API (already sealing with the new key) wins.
 */
export async function reencryptRow(
  db: Db,
  secretBox: SecretBox,
  row: SealedRow,
  now = new Date(),
): Promise<RowOutcome> {
  const vault = new ConnectionSecrets(secretBox);
  const resealed = reseal(secretBox, row.secrets, () =>
    vault.seal(row.org_id, row.id, vault.open(row.org_id, row.id, row.secrets)),
  );
  if (resealed === 'current' || resealed === 'failed') return resealed;
  const replaced = await db.transaction().execute(async (tx) => {
    // updated_at is left alone: the connection's content did not change.
    if (!(await replaceSecrets(tx, row.id, row.secrets, resealed))) return false;
    const set = { secrets: resealed };
    const audit = { actor: SYSTEM_ACTOR, action: 'connection.secrets_resealed', changedFields: ['secrets'] };
    await recordChange(tx, { orgId: row.org_id, id: row.id }, set, undefined, audit, now);
    return true;
  });
  return replaced ? 'reencrypted' : 'changed';
}

/** The same for a user's own credential. */
export async function reencryptUserRow(
  db: Db,
  secretBox: SecretBox,
  row: SealedUserRow,
): Promise<RowOutcome> {
  const vault = new ConnectionSecrets(secretBox);
  const { org_id: orgId, connection_id: connectionId, user_id: userId } = row;
  const resealed = reseal(secretBox, row.secrets, () =>
    vault.seal(orgId, connectionId, vault.open(orgId, connectionId, row.secrets, userId), userId),
  );
  if (resealed === 'current' || resealed === 'failed') return resealed;
  const replaced = await replaceUserSecrets(db, { connectionId, userId }, row.secrets, resealed);
  return replaced ? 'reencrypted' : 'changed';
}

/** The same for an inbound webhook's secret. */
export async function reencryptWebhookRow(
  db: Db,
  secretBox: SecretBox,
  row: { id: string; org_id: string; secret: string },
): Promise<RowOutcome> {
  const resealed = reseal(secretBox, row.secret, () =>
    sealWebhookSecret(
      secretBox,
      row.org_id,
      row.id,
      openWebhookSecret(secretBox, row.org_id, row.id, row.secret),
    ),
  );
  if (resealed === 'current' || resealed === 'failed') return resealed;
  return (await replaceWebhookSecret(db, row.id, row.secret, resealed)) ? 'reencrypted' : 'changed';
}

/** The same for an outbound endpoint's secrets: the current one and a rotated-out one still signing. */
export async function reencryptEndpointRow(
  db: Db,
  secretBox: SecretBox,
  row: { id: string; org_id: string; secret: string; previous_secret: string | null },
): Promise<RowOutcome> {
  const resealOne = (sealed: string) =>
    reseal(secretBox, sealed, () =>
      sealEndpointSecret(
        secretBox,
        row.org_id,
        row.id,
        openEndpointSecret(secretBox, row.org_id, row.id, sealed),
      ),
    );
  const secret = resealOne(row.secret);
  const previous = row.previous_secret === null ? null : resealOne(row.previous_secret);
  if (secret === 'failed' || previous === 'failed') return 'failed';
  if (secret === 'current' && (previous === null || previous === 'current')) return 'current';
  const sealed = {
    secret: secret === 'current' ? row.secret : secret,
    previous_secret: previous === 'current' ? row.previous_secret : previous,
  };
  return (await replaceEndpointSecrets(db, row.id, row, sealed)) ? 'reencrypted' : 'changed';
}

/**
 * Walks every connection with secrets, every user's credential with tokens, every inbound
 * webhook's secret, then every outbound endpoint's, in key order, and re-seals those not under the
 * primary key.
 */
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
  const count = (outcome: RowOutcome, id: string, logFields: Record<string, string>) => {
    result.scanned++;
    if (outcome === 'reencrypted') result.reencrypted++;
    else if (outcome === 'current') result.alreadyCurrent++;
    else if (outcome === 'changed') result.changed++;
    else {
      result.failed++;
      result.failedIds.push(id);
      logger?.warn(logFields, 'sealed secrets do not decrypt with any configured key');
    }
  };
  let after: string | undefined;
  for (;;) {
    const batch = await connectionsWithSecrets(db, after, BATCH_SIZE);
    for (const row of batch) {
      const outcome = await reencryptRow(db, secretBox, row);
      count(outcome, row.id, { connection_id: row.id });
    }
    const last = batch.at(-1);
    if (!last || batch.length < BATCH_SIZE) break;
    after = last.id;
  }
  let userAfter: { connection_id: string; user_id: string } | undefined;
  for (;;) {
    const batch = await userCredentialsWithSecrets(db, userAfter, BATCH_SIZE);
    for (const row of batch) {
      const outcome = await reencryptUserRow(db, secretBox, row);
      count(outcome, `${row.connection_id}:${row.user_id}`, {
        connection_id: row.connection_id,
        user_id: row.user_id,
      });
    }
    const last = batch.at(-1);
    if (!last || batch.length < BATCH_SIZE) break;
    userAfter = last;
  }
  let webhookAfter: string | undefined;
  for (;;) {
    const batch = await webhooksWithSecrets(db, webhookAfter, BATCH_SIZE);
    for (const row of batch) {
      count(await reencryptWebhookRow(db, secretBox, row), `webhook:${row.id}`, { webhook_id: row.id });
    }
    const last = batch.at(-1);
    if (!last || batch.length < BATCH_SIZE) break;
    webhookAfter = last.id;
  }
  let endpointAfter: string | undefined;
  for (;;) {
    const batch = await endpointsWithSecrets(db, endpointAfter, BATCH_SIZE);
    for (const row of batch) {
      count(await reencryptEndpointRow(db, secretBox, row), `webhook_endpoint:${row.id}`, {
        endpoint_id: row.id,
      });
    }
    const last = batch.at(-1);
    if (!last || batch.length < BATCH_SIZE) break;
    endpointAfter = last.id;
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

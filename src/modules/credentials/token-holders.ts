import type { Db } from '../../platform/db/database.js';
import { recordAudit } from '../audit/service.js';
import { SYSTEM_ACTOR } from '../auth/principal.js';
import { changeConnection } from '../connections/change.js';
import { move } from '../connections/lifecycle.js';
import type { Config, ConnectionSecrets } from '../connections/secrets.js';
import { type ConnectionWithDefinition, findSealedConnection } from '../connections/store.js';
import { type ClientCredentials, clientOf } from './oauth-client.js';
import type { CredentialStatus } from './service.js';
import { findUserCredential, updateUserCredential } from './store.js';

/** An OAuth credential as stored, with the connection's client to refresh or revoke it with. */
export interface StoredCredential {
  status: string;
  accessToken?: string;
  refreshToken?: string;
  expiresAt: string | null;
  client?: ClientCredentials;
}

/** What a token endpoint granted, ready to store. */
export interface GrantedTokens {
  accessToken: string;
  /** Absent when the provider does not rotate refresh tokens: the one used stays valid. */
  refreshToken?: string;
  expiresAt: string | null;
}

/**
 * Where one OAuth credential lives, the connection's own or a user's: the refresh and revocation
 * logic is the same for both, only the row and the audit entry differ.
 */
export interface TokenHolder {
  /** Names the credential for locks and in-flight refreshes. */
  readonly key: string;
  /** For logs: the connection, and the user for a user's credential. */
  readonly logFields: Record<string, string>;
  read(db: Db): Promise<StoredCredential | undefined>;
  /**
   * Stores refreshed tokens. Writes nothing and answers false when `used` is no longer the stored
   * refresh token: the credential was disconnected or connected again while the request ran.
   */
  saveRefreshed(tx: Db, tokens: GrantedTokens, used: string, now: Date): Promise<boolean>;
  /** The refresh failed for good: the credential is expired until connected again. */
  expire(tx: Db, reason: string, now: Date): Promise<void>;
}

function tokenFields(opened: Config): Pick<StoredCredential, 'accessToken' | 'refreshToken' | 'expiresAt'> {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    accessToken: text(opened.access_token),
    refreshToken: text(opened.refresh_token),
    expiresAt: text(opened.expires_at) ?? null,
  };
}

/** The sealed-secrets fields a grant writes; a refresh token not rotated is kept. */
function grantFields(tokens: GrantedTokens, used: string): Config {
  return {
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken ?? used,
    expires_at: tokens.expiresAt,
  };
}

function refreshedFields(prefix: string, tokens: GrantedTokens, used: string): string[] {
  const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== used;
  return [`${prefix}.access_token`, ...(rotated ? [`${prefix}.refresh_token`] : [])];
}

async function connectionClient(db: Db, orgId: string, id: string, secrets: ConnectionSecrets) {
  const row = await findSealedConnection(db, orgId, id);
  if (!row) return undefined;
  const opened = secrets.open(orgId, id, row.secrets);
  return { row, opened, client: clientOf(row.config, opened) };
}

/** The org's credential: tokens in the connection's sealed secrets, state in its credential columns. */
export function connectionTokens(
  row: Pick<ConnectionWithDefinition, 'org_id' | 'id'>,
  secrets: ConnectionSecrets,
): TokenHolder {
  const target = { orgId: row.org_id, id: row.id };
  return {
    key: `oauth:connection:${row.id}`,
    logFields: { connection_id: row.id },
    async read(db) {
      const found = await connectionClient(db, row.org_id, row.id, secrets);
      if (!found) return undefined;
      return { status: found.row.credential_status, ...tokenFields(found.opened), client: found.client };
    },
    async saveRefreshed(tx, tokens, used, now) {
      const found = await connectionClient(tx, row.org_id, row.id, secrets);
      if (!found || found.opened.refresh_token !== used) return false;
      const sealed = secrets.seal(row.org_id, row.id, { ...found.opened, ...grantFields(tokens, used) });
      // updated_at stays: a token refresh is not an edit of the connection.
      await changeConnection(
        tx,
        target,
        {
          secrets: sealed,
          credential_status: 'active' satisfies CredentialStatus,
          credential_expires_at: tokens.expiresAt,
          credential_validated_at: now.toISOString(),
          credential_error: null,
        },
        {
          actor: SYSTEM_ACTOR,
          action: 'connection.token_refreshed',
          changedFields: [...refreshedFields('secrets', tokens, used), 'credential_expires_at'],
        },
        now,
      );
      return true;
    },
    async expire(tx, reason, now) {
      await move(tx, target, 'credential_expired', now, {
        set: {
          credential_status: 'expired' satisfies CredentialStatus,
          credential_error: reason,
          updated_at: now.toISOString(),
        },
        audit: {
          actor: SYSTEM_ACTOR,
          action: 'connection.credential_expired',
          changedFields: ['credential_status', 'credential_error', 'health', 'status'],
        },
      });
    },
  };
}

/**
 * A user's own credential. Its audit target is the credential itself, named by its key
 * `<connection id>:<user id>`, so that system entries (refreshed, expired) still say whose it is.
 */
export function userTokens(
  row: Pick<ConnectionWithDefinition, 'org_id' | 'id'>,
  userId: string,
  secrets: ConnectionSecrets,
): TokenHolder {
  const key = { orgId: row.org_id, connectionId: row.id, userId };
  const find = (db: Db) => findUserCredential(db, key);
  const open = (sealed: string | null) => secrets.open(row.org_id, row.id, sealed, userId);
  const audit = (tx: Db, action: string, changedFields: string[], now: Date) =>
    recordAudit(
      tx,
      SYSTEM_ACTOR,
      { orgId: row.org_id, action, ...userCredentialTarget(row.id, userId), changedFields },
      now,
    );
  return {
    key: `oauth:user:${row.id}:${userId}`,
    logFields: { connection_id: row.id, user_id: userId },
    async read(db) {
      const [credential, connection] = await Promise.all([
        find(db),
        connectionClient(db, row.org_id, row.id, secrets),
      ]);
      if (!credential || !connection) return undefined;
      return {
        status: credential.status,
        ...tokenFields(open(credential.secrets)),
        client: connection.client,
      };
    },
    async saveRefreshed(tx, tokens, used, now) {
      const credential = await find(tx);
      if (!credential) return false;
      const opened = open(credential.secrets);
      if (opened.refresh_token !== used) return false;
      await updateUserCredential(tx, key, {
        secrets: secrets.seal(row.org_id, row.id, { ...opened, ...grantFields(tokens, used) }, userId),
        status: 'active' satisfies CredentialStatus,
        expires_at: tokens.expiresAt,
        error: null,
      });
      await audit(
        tx,
        'user_credential.token_refreshed',
        [...refreshedFields('secrets', tokens, used), 'expires_at'],
        now,
      );
      return true;
    },
    async expire(tx, reason, now) {
      await updateUserCredential(tx, key, {
        status: 'expired' satisfies CredentialStatus,
        error: reason,
        updated_at: now.toISOString(),
      });
      // The org's connection is untouched: one user's credential failing says nothing about it.
      await audit(tx, 'user_credential.expired', ['status', 'error'], now);
    },
  };
}

/** The audit target of a user's credential. */
export function userCredentialTarget(connectionId: string, userId: string) {
  return { targetType: 'user_credential', targetId: `${connectionId}:${userId}` };
}

import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { recordAudit } from '../audit/service.js';
import type { Actor, Caller } from '../auth/principal.js';
import type { ConnectionSecrets } from '../connections/secrets.js';
import type { ConnectionService } from '../connections/service.js';
import type { ConnectionWithDefinition } from '../connections/store.js';
import type { OAuthTokens, Revocation } from './oauth-tokens.js';
import { type CredentialStatus, credentialStatusAt } from './service.js';
import {
  findUserCredential,
  type UserCredentialKey,
  updateUserCredential,
  upsertUserCredential,
} from './store.js';
import { type GrantedTokens, userCredentialTarget } from './token-holders.js';

/**
 * Stores the tokens of a user's completed OAuth flow, sealed to org, connection and user, replacing
 * any earlier credential of that user for that connection.
 */
export async function storeUserGrant(
  tx: Db,
  secrets: ConnectionSecrets,
  key: UserCredentialKey,
  tokens: GrantedTokens,
  actor: Actor,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  const sealed = secrets.seal(
    key.orgId,
    key.connectionId,
    { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, expires_at: tokens.expiresAt },
    key.userId,
  );
  await upsertUserCredential(
    tx,
    key,
    {
      secrets: sealed,
      status: 'active' satisfies CredentialStatus,
      expires_at: tokens.expiresAt,
      last_connected_at: at,
      error: null,
      updated_at: at,
    },
    at,
  );
  await recordAudit(
    tx,
    actor,
    {
      orgId: key.orgId,
      action: 'user_credential.connected',
      ...userCredentialTarget(key.connectionId, key.userId),
      changedFields: [
        'secrets.access_token',
        ...(tokens.refreshToken ? ['secrets.refresh_token'] : []),
        'status',
        'expires_at',
      ],
    },
    now,
  );
}

/**
 * A user's own credentials for the org's connections (spec: user-scoped connection endpoints). Every
 * method takes the caller's own user id: there is no way to name another user's credential, and a
 * caller without one reads `connected: false` (or gets 404 from disconnect) whoever else has one.
 */
export class UserCredentialService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
    private readonly tokens: OAuthTokens,
  ) {}

  /** `{ connected: false }` alone until the user has connected (the spec's shape). */
  async connection({ orgId, now }: Caller, userId: string, connectionId: string) {
    const key: UserCredentialKey = { orgId, connectionId, userId };
    const row = await this.#connection(key);
    // Only an OAuth connection can hold a credential of the user's own.
    if (row.auth_type !== 'oauth2') {
      throw new AppError(
        'USER_CREDENTIAL_NOT_FOUND',
        `This integration authenticates with ${row.auth_type}: there is no credential of your own to connect`,
        { auth_type: row.auth_type },
      );
    }
    const credential = await findUserCredential(this.db, key);
    if (!credential) return { connected: false };
    const status = credentialStatusAt(credential.status, credential.expires_at, now);
    return {
      connection_id: key.connectionId,
      connected: status === ('active' satisfies CredentialStatus),
      status,
      expires_at: credential.expires_at,
      last_connected_at: credential.last_connected_at,
      validation_error: credential.error,
    };
  }

  /** Revokes the user's tokens at the provider when it supports it, then deletes them. */
  async disconnect({ orgId, actor, now }: Caller, userId: string, connectionId: string) {
    const key: UserCredentialKey = { orgId, connectionId, userId };
    const row = await this.#connection(key);
    await this.#require(key);
    const revocation: Revocation = await this.tokens.revokeForUser(row, key.userId);
    const at = now.toISOString();
    await this.db.transaction().execute(async (tx) => {
      await updateUserCredential(tx, key, {
        secrets: null,
        status: 'revoked' satisfies CredentialStatus,
        expires_at: null,
        error: null,
        updated_at: at,
      });
      await recordAudit(
        tx,
        actor,
        {
          orgId: key.orgId,
          action: 'user_credential.disconnected',
          ...userCredentialTarget(key.connectionId, key.userId),
          changedFields: ['secrets', 'status'],
        },
        now,
      );
    });
    const status: CredentialStatus = 'revoked';
    return { connection_id: key.connectionId, status, disconnected_at: at, revocation };
  }

  #connection(key: UserCredentialKey): Promise<ConnectionWithDefinition> {
    return this.connections.require(key.orgId, key.connectionId);
  }

  async #require(key: UserCredentialKey) {
    const credential = await findUserCredential(this.db, key);
    if (!credential) throw new AppError('USER_CREDENTIAL_NOT_FOUND');
    return credential;
  }
}

import type { AuthType } from '../../connectors/sdk.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import type { Caller } from '../auth/principal.js';
import { changeConnection } from '../connections/change.js';
import { assertAllowed, move } from '../connections/lifecycle.js';
import { type Config, secretFieldsOf } from '../connections/secrets.js';
import type { ConnectionService } from '../connections/service.js';
import type { ConnectionStatus, ConnectionWithDefinition } from '../connections/store.js';
import type { OAuthTokens } from './oauth-tokens.js';

export const CREDENTIAL_STATUSES = ['none', 'active', 'expired', 'revoked', 'error'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** The auth types connected with a credential the client sends (OAuth has its own flow). */
export type DirectAuthType = Extract<AuthType, 'api_key' | 'basic' | 'custom'>;

/** Field names a definition with several secret fields may use for its API key. */
const API_KEY_FIELDS = ['api_key', 'api_token', 'token', 'key'];

function schemaFields(schema: Record<string, unknown>): string[] {
  const properties = schema.properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

/** The secret field an API key goes into: the only one, or the one named like an API key. */
function apiKeyField(schema: Record<string, unknown>): string {
  const secrets = secretFieldsOf(schema);
  const field = secrets.length === 1 ? secrets[0] : secrets.find((name) => API_KEY_FIELDS.includes(name));
  if (field === undefined) {
    throw new AppError('BAD_REQUEST', 'This integration has no single API key field; use connect/custom');
  }
  return field;
}

/** Refuses `credentials` keys outside `allowed`, naming each (`credentials.foo`). */
function checkKeys(credentials: Config, allowed: readonly string[], message: string): void {
  const unknown = Object.keys(credentials).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw new InvalidFieldsError(unknown.map((name) => ({ field: `credentials.${name}`, message })));
  }
}

function wrongAuthType(authType: string, message: string): AppError {
  return new AppError('AUTH_TYPE_MISMATCH', message, { auth_type: authType });
}

/** A credential's state as the API reports it; an active one past its expiry is expired. */
export function credentialStatusAt(stored: string, expiresAt: string | null, now: Date): CredentialStatus {
  const status = CREDENTIAL_STATUSES.find((s) => s === stored) ?? 'none';
  const expired = expiresAt !== null && expiresAt <= now.toISOString();
  return status === 'active' && expired ? 'expired' : status;
}

function statusOf(row: ConnectionWithDefinition, now: Date): CredentialStatus {
  return credentialStatusAt(row.credential_status, row.credential_expires_at, now);
}

/** Connect flows for credentials the client sends: store them sealed, test them, record the outcome. */
export class CredentialService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
    private readonly tokens: OAuthTokens,
  ) {}

  async connection({ orgId, now }: Caller, id: string) {
    const row = await this.#require(orgId, id);
    return {
      connection_id: id,
      status: statusOf(row, now),
      expires_at: row.credential_expires_at,
      last_validated_at: row.credential_validated_at,
      validation_error: row.credential_error,
    };
  }

  /** connect/api-key, connect/basic and connect/custom: allowed only for the definition's auth type. */
  async connect(caller: Caller, id: string, kind: DirectAuthType, input: Config) {
    const row = await this.#require(caller.orgId, id);
    const authType = row.auth_type;
    if (authType !== kind) {
      throw wrongAuthType(authType, `This integration authenticates with ${authType}, not ${kind}`);
    }
    let credentials: Config;
    if (kind === 'api_key') {
      credentials = { [apiKeyField(row.config_schema)]: input.api_key };
    } else if (kind === 'basic') {
      const fields = schemaFields(row.config_schema);
      if (!fields.includes('username') || !fields.includes('password')) {
        throw new AppError('BAD_REQUEST', 'This integration has no username and password fields');
      }
      credentials = { username: input.username, password: input.password };
    } else {
      credentials = input;
      checkKeys(credentials, schemaFields(row.config_schema), 'is not a field of this integration');
    }
    return this.#store(caller, row, credentials);
  }

  /** Replaces some secret fields of any connection not connected through OAuth, then re-tests. */
  async update(caller: Caller, id: string, credentials: Config) {
    const row = await this.#require(caller.orgId, id);
    const authType = row.auth_type;
    if (authType === ('oauth2' satisfies AuthType)) {
      throw wrongAuthType(authType, 'OAuth credentials are replaced by connecting again through OAuth');
    }
    checkKeys(credentials, secretFieldsOf(row.config_schema), 'is not a secret field of this integration');
    return this.#store(caller, row, credentials);
  }

  /**
   * Revokes OAuth tokens at the provider when it supports revocation, then deletes the stored
   * secrets and takes the connection back to setup; its plain config stays. A failed revocation is
   * reported, not fatal: the tokens are deleted here either way.
   */
  async disconnect({ orgId, actor, now }: Caller, id: string) {
    const at = now.toISOString();
    const before = await this.#require(orgId, id);
    assertAllowed(before.status, 'disconnected');
    const revocation = await this.tokens.revoke(before);
    await this.db.transaction().execute(async (tx) => {
      const moved = await move(tx, { orgId, id }, 'disconnected', now, {
        set: {
          secrets: null,
          credential_status: 'revoked' satisfies CredentialStatus,
          credential_expires_at: null,
          credential_validated_at: null,
          credential_error: null,
          sync_enabled: false,
          next_sync_at: null,
          next_health_check_at: null,
          // Enabling again needs a test with the new credential.
          last_test_passed_at: null,
          updated_at: at,
        },
        audit: {
          actor,
          action: 'connection.disconnected',
          changedFields: ['secrets', 'credential_status', 'status', 'health', 'sync_enabled'],
        },
      });
      if (!moved) throw new AppError('CONNECTION_NOT_FOUND');
    });
    const status: CredentialStatus = 'revoked';
    return { connection_id: id, status, disconnected_at: at, revocation };
  }

  /** Merges the credential into the config through the connection update, then runs the test. */
  async #store(caller: Caller, row: ConnectionWithDefinition, credentials: Config) {
    const { actor, now } = caller;
    if (row.status === ('disabled' satisfies ConnectionStatus)) throw new AppError('CONNECTION_DISABLED');
    await this.connections.update(caller, row.id, { config: credentials });
    const test = await this.connections.test(caller, row.id);
    const passed = test.test_result === 'success';
    const set = passed
      ? { credential_status: 'active', credential_validated_at: test.tested_at, credential_error: null }
      : { credential_status: 'error', credential_error: test.message };
    await this.db.transaction().execute(async (tx) => {
      await changeConnection(
        tx,
        { orgId: row.org_id, id: row.id },
        set,
        { actor, action: 'connection.credentials_validated', changedFields: Object.keys(set) },
        now,
      );
    });
    const stored = await this.#require(row.org_id, row.id);
    return {
      connection_id: row.id,
      status: statusOf(stored, now),
      validated_at: stored.credential_validated_at,
      validation_error: stored.credential_error,
      test_result: test,
    };
  }

  #require(orgId: string, id: string): Promise<ConnectionWithDefinition> {
    return this.connections.require(orgId, id);
  }
}

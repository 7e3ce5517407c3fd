import type { Selectable } from 'kysely';
import * as oauth from 'oauth4webapi';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import type { OAuthStatesTable } from '../../platform/db/tables.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Actor, Caller } from '../auth/principal.js';
import { move } from '../connections/lifecycle.js';
import type { ConnectionSecrets } from '../connections/secrets.js';
import type { ConnectionService } from '../connections/service.js';
import {
  authorizationServer,
  requestOptions,
  requireClient,
  requireEndpoints,
  tokenResponseOptions,
} from './oauth-client.js';
import { expiryOf } from './oauth-tokens.js';
import type { CredentialStatus } from './service.js';
import { deleteOAuthStatesBefore, insertOAuthState, spendOAuthState } from './store.js';
import type { GrantedTokens } from './token-holders.js';
import { storeUserGrant } from './user-credentials.js';

/** How long a started authorization may take before its state is refused. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;
export const OAUTH_CALLBACK_PATH = '/api/v1/integrations/oauth/callback';

/** Started states older than this are deleted: long expired, they only ever prove a replay wrong. */
const OAUTH_STATE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How many old states one started flow deletes: the clean-up stays cheap however many piled up. */
const OAUTH_STATE_CLEANUP_BATCH = 100;

const ACTOR_TYPES: readonly Actor['type'][] = ['user', 'api_key', 'system'];

/** Whose credential a flow connects: the connection's own, or the starting user's. */
export type OAuthScope = 'connection' | 'user';

type OAuthState = Selectable<OAuthStatesTable>;

export interface OAuthSettings {
  publicUrl: string;
  returnOrigins: readonly string[];
}

/** The query the provider sends the browser back with. */
export interface CallbackQuery {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
}

export type StartedBy = { scope: 'connection'; userId: string | null } | { scope: 'user'; userId: string };

function verifierAad(state: Pick<OAuthStatesTable, 'id' | 'org_id' | 'connection_id'>): string {
  return `oauth_state:${state.id}|org:${state.org_id}|connection:${state.connection_id}`;
}

/** An OAuth error code is passed on only when it looks like one (RFC 6749 §4.1.2.1). */
function errorCode(value: string): string {
  return /^[a-z0-9_.-]{1,64}$/i.test(value) ? value : 'provider_error';
}

function withOutcome(returnUrl: string, outcome: Record<string, string>): string {
  const url = new URL(returnUrl);
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * The authorization-code flow with PKCE. Tokens land in the connection's secrets, or, for a flow a
 * user started for themselves, in that user's own credential.
 */
export class OAuthService {
  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionService,
    private readonly box: SecretBox,
    private readonly secrets: ConnectionSecrets,
    private readonly settings: OAuthSettings,
    private readonly logger: Logger,
  ) {}

  get redirectUri(): string {
    return `${this.settings.publicUrl}${OAUTH_CALLBACK_PATH}`;
  }

  async start({ orgId, actor, now }: Caller, id: string, returnUrl: string, by: StartedBy) {
    this.#checkReturnUrl(returnUrl);
    const row = await this.connections.require(orgId, id);
    const endpoints = requireEndpoints(row);
    if (row.status === 'disabled') throw new AppError('CONNECTION_DISABLED');
    const { clientId } = requireClient(row, this.secrets);
    await this.#forgetOldStates(now);

    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const stateId = newId();
    await insertOAuthState(this.db, {
      id: stateId,
      state_hash: sha256Hex(state),
      org_id: orgId,
      connection_id: id,
      user_id: by.userId,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name,
      return_url: returnUrl,
      code_verifier: this.box.encrypt(
        verifier,
        verifierAad({ id: stateId, org_id: orgId, connection_id: id }),
      ),
      expires_at: new Date(now.getTime() + OAUTH_STATE_TTL_MS).toISOString(),
      used_at: null,
      created_at: now.toISOString(),
      scope: by.scope,
    });

    const url = new URL(endpoints.authorizationUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', this.redirectUri);
    if (endpoints.scopes.length > 0)
      url.searchParams.set('scope', endpoints.scopes.join(endpoints.scopeSeparator ?? ' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return { authorization_url: url.toString(), state };
  }

  /** Spends the state, then exchanges the code; returns where to send the browser. */
  async callback(query: CallbackQuery, request: { id: string; ip: string }, now: Date): Promise<string> {
    const state = query.state ? await this.#claim(query.state, now) : undefined;
    if (!state) throw new AppError('BAD_REQUEST', 'The OAuth state is unknown, expired or already used');
    if (query.error !== undefined) {
      return withOutcome(state.return_url, { status: 'error', error: errorCode(query.error) });
    }
    const actor: Actor = {
      type: ACTOR_TYPES.find((type) => type === state.actor_type) ?? 'system',
      id: state.actor_id,
      name: state.actor_name,
      requestId: request.id,
      ip: request.ip,
    };
    try {
      await this.#exchange(state, query, actor, now);
    } catch (error) {
      this.logger.warn(
        { connectionId: state.connection_id, err: error instanceof Error ? error.message : String(error) },
        'OAuth code exchange failed',
      );
      const code =
        error instanceof oauth.ResponseBodyError ? errorCode(error.error) : 'token_exchange_failed';
      return withOutcome(state.return_url, { status: 'error', error: code });
    }
    return withOutcome(state.return_url, { status: 'success', connection_id: state.connection_id });
  }

  #checkReturnUrl(returnUrl: string): void {
    const origin = URL.canParse(returnUrl) ? new URL(returnUrl).origin : undefined;
    if (origin === undefined || !this.settings.returnOrigins.includes(origin)) {
      throw new InvalidFieldsError([
        { field: 'return_url', message: 'is not on the allowed OAuth return origins' },
      ]);
    }
  }

  /**
   * Deletes a bounded batch of states started more than a day ago, spent or not: with a 10-minute
   * TTL they are all expired. Done when a flow starts, so no background job is needed.
   */
  async #forgetOldStates(now: Date): Promise<void> {
    const cutoff = new Date(now.getTime() - OAUTH_STATE_RETENTION_MS).toISOString();
    await deleteOAuthStatesBefore(this.db, cutoff, OAUTH_STATE_CLEANUP_BATCH);
  }

  async #claim(state: string, now: Date) {
    return spendOAuthState(this.db, sha256Hex(state), now.toISOString());
  }

  async #exchange(state: OAuthState, query: CallbackQuery, actor: Actor, now: Date): Promise<void> {
    const row = await this.connections.require(state.org_id, state.connection_id);
    const endpoints = requireEndpoints(row);
    const { clientId, clientSecret } = requireClient(row, this.secrets);
    const verifier = this.box.decrypt(state.code_verifier, verifierAad(state));

    const as = authorizationServer(endpoints);
    const client: oauth.Client = { client_id: clientId };
    const parameters = new URLSearchParams();
    for (const name of ['code', 'state', 'iss'] as const) {
      const value = query[name];
      if (value !== undefined) parameters.set(name, value);
    }
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(clientSecret),
      oauth.validateAuthResponse(as, client, parameters, oauth.skipStateCheck),
      this.redirectUri,
      verifier,
      requestOptions(endpoints.tokenUrl),
    );
    const granted = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      response,
      tokenResponseOptions(endpoints),
    );
    const tokens: GrantedTokens = {
      accessToken: granted.access_token,
      refreshToken: granted.refresh_token,
      expiresAt: expiryOf(granted, now),
    };
    await this.db.transaction().execute(async (tx) => {
      if (state.scope !== ('user' satisfies OAuthScope)) {
        await this.#storeConnectionGrant(tx, state, tokens, actor, now);
        return;
      }
      // start() never writes one without a user; a user's tokens must never land on the connection.
      if (state.user_id === null) throw new Error('A user-scoped OAuth state has no user');
      const key = { orgId: state.org_id, connectionId: state.connection_id, userId: state.user_id };
      await storeUserGrant(tx, this.secrets, key, tokens, actor, now);
    });
  }

  async #storeConnectionGrant(
    tx: Db,
    state: OAuthState,
    tokens: GrantedTokens,
    actor: Actor,
    now: Date,
  ): Promise<void> {
    const current = await this.connections.require(state.org_id, state.connection_id, tx);
    const secrets = {
      ...this.secrets.open(current.org_id, current.id, current.secrets),
      access_token: tokens.accessToken,
      ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
      expires_at: tokens.expiresAt,
    };
    const at = now.toISOString();
    await move(tx, { orgId: current.org_id, id: current.id }, 'credentials_granted', now, {
      set: {
        secrets: this.secrets.seal(current.org_id, current.id, secrets),
        credential_status: 'active' satisfies CredentialStatus,
        credential_expires_at: tokens.expiresAt,
        credential_validated_at: at,
        credential_error: null,
        updated_at: at,
      },
      audit: {
        actor,
        action: 'connection.oauth_connected',
        changedFields: [
          'secrets.access_token',
          ...(tokens.refreshToken ? ['secrets.refresh_token'] : []),
          'credential_status',
          'credential_expires_at',
        ],
      },
    });
  }
}

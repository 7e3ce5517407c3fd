import * as oauth from 'oauth4webapi';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import type { OAuthStatesTable } from '../../platform/db/tables.js';
import { AppError, invalidFields } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Actor } from '../auth/principal.js';
import { changeConnection } from './change.js';
import type { CredentialStatus } from './credentials.js';
import type { ConnectionSecrets } from './secrets.js';
import { type ConnectionStatus, type ConnectionWithDefinition, findConnection } from './store.js';

/** How long a started authorization may take before its state is refused. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;
export const OAUTH_CALLBACK_PATH = '/api/v1/integrations/oauth/callback';

const ACTOR_TYPES: readonly Actor['type'][] = ['user', 'api_key', 'system'];
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

interface Endpoints {
  authorizationUrl: string;
  tokenUrl: string;
  scopes: string[];
}

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

export interface StartedBy {
  actor: Actor;
  userId: string | null;
}

function endpointsOf(value: Record<string, unknown> | null): Endpoints | undefined {
  const { authorization_url: authorizationUrl, token_url: tokenUrl, scopes } = value ?? {};
  if (typeof authorizationUrl !== 'string' || typeof tokenUrl !== 'string') return undefined;
  const names = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  return { authorizationUrl, tokenUrl, scopes: names };
}

// Definitions carry no issuer; the authorization endpoint's origin stands in for the RFC 9207 check.
function authorizationServer(endpoints: Endpoints): oauth.AuthorizationServer {
  return {
    issuer: new URL(endpoints.authorizationUrl).origin,
    authorization_endpoint: endpoints.authorizationUrl,
    token_endpoint: endpoints.tokenUrl,
  };
}

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

/** The organisation-level authorization-code flow with PKCE; tokens land in the connection's secrets. */
export class OAuthService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly secrets: ConnectionSecrets,
    private readonly settings: OAuthSettings,
    private readonly logger: Logger,
  ) {}

  get redirectUri(): string {
    return `${this.settings.publicUrl}${OAUTH_CALLBACK_PATH}`;
  }

  async start(orgId: string, id: string, returnUrl: string, by: StartedBy, now: Date) {
    this.#checkReturnUrl(returnUrl);
    const row = await findConnection(this.db, orgId, id);
    if (!row) throw new AppError('CONNECTION_NOT_FOUND');
    const endpoints = await this.#endpoints(row);
    if (row.status === ('disabled' satisfies ConnectionStatus)) throw new AppError('CONNECTION_DISABLED');
    const { clientId } = this.#client(row);

    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const stateId = newId();
    await this.db
      .insertInto('oauth_states')
      .values({
        id: stateId,
        state_hash: sha256Hex(state),
        org_id: orgId,
        connection_id: id,
        user_id: by.userId,
        actor_type: by.actor.type,
        actor_id: by.actor.id,
        actor_name: by.actor.name,
        return_url: returnUrl,
        code_verifier: this.box.encrypt(
          verifier,
          verifierAad({ id: stateId, org_id: orgId, connection_id: id }),
        ),
        expires_at: new Date(now.getTime() + OAUTH_STATE_TTL_MS).toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      })
      .execute();

    const url = new URL(endpoints.authorizationUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', this.redirectUri);
    if (endpoints.scopes.length > 0) url.searchParams.set('scope', endpoints.scopes.join(' '));
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
      throw invalidFields([
        { field: 'return_url', location: 'body', message: 'is not on the allowed OAuth return origins' },
      ]);
    }
  }

  /** Marks the state used in the same statement that finds it, so only one callback wins. */
  async #claim(state: string, now: Date) {
    const at = now.toISOString();
    return this.db
      .updateTable('oauth_states')
      .set({ used_at: at })
      .where('state_hash', '=', sha256Hex(state))
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst();
  }

  async #endpoints(row: ConnectionWithDefinition): Promise<Endpoints> {
    const definition = await this.db
      .selectFrom('integration_definitions')
      .select(['auth_type', 'oauth'])
      .where('id', '=', row.definition_id)
      .executeTakeFirstOrThrow();
    if (definition.auth_type !== 'oauth2') {
      throw new AppError(
        'AUTH_TYPE_MISMATCH',
        `This integration authenticates with ${definition.auth_type}, not oauth2`,
        { auth_type: definition.auth_type },
      );
    }
    const endpoints = endpointsOf(definition.oauth);
    if (!endpoints) throw new AppError('BAD_REQUEST', 'This integration declares no OAuth endpoints');
    return endpoints;
  }

  #client(row: ConnectionWithDefinition) {
    const clientId = row.config.client_id;
    const clientSecret = this.secrets.open(row.org_id, row.id, row.secrets).client_secret;
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
      throw new AppError('BAD_REQUEST', "Set client_id and client_secret in the connection's config first");
    }
    return { clientId, clientSecret };
  }

  async #exchange(state: OAuthStatesTable, query: CallbackQuery, actor: Actor, now: Date): Promise<void> {
    const row = await findConnection(this.db, state.org_id, state.connection_id);
    if (!row) throw new AppError('CONNECTION_NOT_FOUND');
    const endpoints = await this.#endpoints(row);
    const { clientId, clientSecret } = this.#client(row);
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
      {
        // Plain http only to a provider on this machine (development and tests).
        [oauth.allowInsecureRequests]: LOOPBACK_HOSTS.includes(new URL(endpoints.tokenUrl).hostname),
        signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
      },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);

    const expiresAt =
      tokens.expires_in === undefined
        ? null
        : new Date(now.getTime() + tokens.expires_in * 1000).toISOString();
    const at = now.toISOString();
    await this.db.transaction().execute(async (tx) => {
      const current = await findConnection(tx, state.org_id, state.connection_id);
      if (!current) throw new AppError('CONNECTION_NOT_FOUND');
      const secrets = {
        ...this.secrets.open(current.org_id, current.id, current.secrets),
        access_token: tokens.access_token,
        ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
        expires_at: expiresAt,
      };
      await changeConnection(
        tx,
        { orgId: current.org_id, id: current.id },
        {
          secrets: this.secrets.seal(current.org_id, current.id, secrets),
          credential_status: 'active' satisfies CredentialStatus,
          credential_expires_at: expiresAt,
          credential_validated_at: at,
          credential_error: null,
          ...(current.status === ('pending_setup' satisfies ConnectionStatus)
            ? { status: 'configuring' satisfies ConnectionStatus }
            : {}),
          updated_at: at,
        },
        {
          actor,
          action: 'connection.oauth_connected',
          changedFields: [
            'secrets.access_token',
            ...(tokens.refresh_token ? ['secrets.refresh_token'] : []),
            'credential_status',
            'credential_expires_at',
          ],
        },
        now,
      );
    });
  }
}

import * as oauth from 'oauth4webapi';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { KeyedLock, LockScope } from '../../platform/db/keyed-lock.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import type { ConnectionSecrets } from '../connections/secrets.js';
import type { ConnectionWithDefinition } from '../connections/store.js';
import {
  authorizationServer,
  type ClientCredentials,
  type Endpoints,
  endpointsOf,
  requestOptions,
  tokenResponseOptions,
} from './oauth-client.js';
import type { CredentialStatus } from './service.js';
import { connectionTokens, type GrantedTokens, type TokenHolder, userTokens } from './token-holders.js';

/** An access token this close to its expiry is refreshed before it is used. */
export const REFRESH_MARGIN_MS = 60_000;

/** What the provider said to a revocation at disconnect (RFC 7009). */
export interface Revocation {
  /** `unsupported`: the definition declares no revocation endpoint; `skipped`: no token stored. */
  status: 'revoked' | 'failed' | 'unsupported' | 'skipped';
  error: string | null;
}

/** The credential an operation uses, as a refresh left it. */
interface Current {
  accessToken: string | undefined;
  expiresAt: string | null;
  /** Expired, revoked or never connected: no refresh will help until someone connects again. */
  dead: boolean;
}

/** Why the token endpoint refused a grant, for `credential_error`. */
function refusal(error: unknown, status: number): string {
  const detail =
    error instanceof oauth.ResponseBodyError
      ? `${error.error}${error.error_description ? ` (${error.error_description})` : ''}`
      : `HTTP ${status}`;
  return `The provider refused to refresh the access token: ${detail}`.slice(0, 500);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * OAuth access tokens of connections and of users' own credentials: refreshed shortly before they
 * expire and after a provider answers 401, and revoked at disconnect.
 *
 * A refresh runs once at a time per credential. In this process, callers join the refresh in
 * flight; across processes, the refresh holds a lock on the credential (a PostgreSQL advisory lock)
 * and re-reads the stored tokens once it has it, so a process that waited uses the token the other
 * one got instead of spending the refresh token again (providers that rotate refresh tokens revoke
 * the whole grant when a used one comes back).
 */
export class OAuthTokens {
  readonly #inflight = new Map<string, Promise<Current>>();

  constructor(
    private readonly db: Db,
    private readonly secrets: ConnectionSecrets,
    private readonly lock: KeyedLock,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Authenticates requests with the connection's OAuth token; undefined when it does not use OAuth. */
  authFor(row: ConnectionWithDefinition): ProviderAuth | undefined {
    const endpoints = oauthEndpoints(row);
    return endpoints && this.#auth(connectionTokens(row, this.secrets), endpoints);
  }

  /** The same with one user's own credential for the connection (user-scoped connections). */
  authForUser(row: ConnectionWithDefinition, userId: string): ProviderAuth | undefined {
    const endpoints = oauthEndpoints(row);
    return endpoints && this.#auth(userTokens(row, userId, this.secrets), endpoints);
  }

  /** Revokes the connection's tokens at the provider; never throws for the provider's answer. */
  revoke(row: ConnectionWithDefinition): Promise<Revocation> {
    return this.#revoke(connectionTokens(row, this.secrets), oauthEndpoints(row));
  }

  revokeForUser(row: ConnectionWithDefinition, userId: string): Promise<Revocation> {
    return this.#revoke(userTokens(row, userId, this.secrets), oauthEndpoints(row));
  }

  #auth(holder: TokenHolder, endpoints: Endpoints): ProviderAuth {
    let current: Current | undefined;
    // A token fresh from a refresh that is refused too: the 401 is not about expiry (a revoked app,
    // a missing scope), and refreshing again on every request would only hammer the token endpoint.
    let renewedAfter401: string | undefined;
    const load = async (): Promise<Current> => {
      if (current) return current;
      const stored = await holder.read(this.db);
      current = {
        accessToken: stored?.accessToken,
        expiresAt: stored?.expiresAt ?? null,
        dead: stored?.status !== ('active' satisfies CredentialStatus),
      };
      return current;
    };
    return {
      authorize: async (headers) => {
        const token = await load();
        if (!token.dead && this.#within(token.expiresAt, REFRESH_MARGIN_MS)) {
          try {
            current = await this.#refresh(holder, endpoints, undefined);
          } catch (error) {
            // Not for good (the provider was unreachable): a token that has not expired yet still works.
            if (token.accessToken === undefined || this.#within(token.expiresAt, 0)) throw error;
            this.logger.warn(
              { ...holder.logFields, err: messageOf(error) },
              'OAuth token refresh failed; using the current token until it expires',
            );
          }
        }
        if (current?.accessToken) headers.set('authorization', `Bearer ${current.accessToken}`);
      },
      refreshAfterUnauthorized: async () => {
        const token = await load();
        if (token.dead || (renewedAfter401 !== undefined && token.accessToken === renewedAfter401))
          return false;
        current = await this.#refresh(holder, endpoints, token.accessToken ?? null);
        const renewed = current.accessToken !== undefined && current.accessToken !== token.accessToken;
        if (renewed) renewedAfter401 = current.accessToken;
        return renewed;
      },
    };
  }

  /** Whether a token expiring at `expiresAt` has less than `marginMs` left; one without expiry never does. */
  #within(expiresAt: string | null, marginMs: number): boolean {
    return expiresAt !== null && Date.parse(expiresAt) - this.clock.now().getTime() <= marginMs;
  }

  /**
   * Joins the refresh of this credential in flight, or starts one. `stale` is the token a provider
   * refused (null when there was none); undefined means "refresh if it is about to expire".
   */
  #refresh(holder: TokenHolder, endpoints: Endpoints, stale: string | null | undefined): Promise<Current> {
    const running = this.#inflight.get(holder.key);
    if (running) return running;
    const refresh = this.lock
      .run(holder.key, (scope) => this.#refreshHoldingLock(holder, endpoints, stale, scope))
      .finally(() => this.#inflight.delete(holder.key));
    this.#inflight.set(holder.key, refresh);
    return refresh;
  }

  async #refreshHoldingLock(
    holder: TokenHolder,
    endpoints: Endpoints,
    stale: string | null | undefined,
    scope: LockScope,
  ): Promise<Current> {
    const stored = await holder.read(scope.db);
    if (!stored) return { accessToken: undefined, expiresAt: null, dead: true };
    const have: Current = {
      accessToken: stored.accessToken,
      expiresAt: stored.expiresAt,
      dead: stored.status !== ('active' satisfies CredentialStatus),
    };
    if (have.dead) return have;
    // Another process (or an earlier caller) refreshed while this one waited for the lock.
    const refreshedMeanwhile =
      stale === undefined
        ? !this.#within(stored.expiresAt, REFRESH_MARGIN_MS)
        : stored.accessToken !== (stale ?? undefined);
    if (refreshedMeanwhile) return have;

    const now = this.clock.now();
    const expire = async (reason: string): Promise<Current> => {
      await scope.atomically((tx) => holder.expire(tx, reason, now));
      this.logger.warn({ ...holder.logFields, reason }, 'OAuth credential expired: it cannot be refreshed');
      return { ...have, dead: true };
    };
    const { refreshToken, client } = stored;
    if (!refreshToken) {
      return expire('The access token expired and the provider gave no refresh token; connect again');
    }
    if (!client) {
      return expire("The connection's config has no client_id and client_secret to refresh the token with");
    }
    const granted = await this.#grant(endpoints, client, refreshToken, now);
    if ('refused' in granted) return expire(granted.refused);
    const saved = await scope.atomically((tx) => holder.saveRefreshed(tx, granted.tokens, refreshToken, now));
    if (!saved) {
      // Disconnected or connected again while the request ran: what is stored now wins.
      const after = await holder.read(scope.db);
      return {
        accessToken: after?.accessToken,
        expiresAt: after?.expiresAt ?? null,
        dead: after?.status !== ('active' satisfies CredentialStatus),
      };
    }
    this.logger.info(
      { ...holder.logFields, expires_at: granted.tokens.expiresAt },
      'OAuth access token refreshed',
    );
    return { accessToken: granted.tokens.accessToken, expiresAt: granted.tokens.expiresAt, dead: false };
  }

  /**
   * The refresh-token grant. A 400 or 401 from the token endpoint (invalid_grant, invalid_client…)
   * is a refusal no retry can change; anything else (unreachable, 5xx, a malformed answer) throws.
   */
  async #grant(
    endpoints: Endpoints,
    credentials: ClientCredentials,
    refreshToken: string,
    now: Date,
  ): Promise<{ tokens: GrantedTokens } | { refused: string }> {
    const as = authorizationServer(endpoints);
    const client: oauth.Client = { client_id: credentials.clientId };
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(credentials.clientSecret),
      refreshToken,
      requestOptions(endpoints.tokenUrl),
    );
    try {
      const tokens = await oauth.processRefreshTokenResponse(
        as,
        client,
        response,
        tokenResponseOptions(endpoints),
      );
      return {
        tokens: {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          expiresAt: expiryOf(tokens, now),
        },
      };
    } catch (error) {
      if (response.status === 400 || response.status === 401)
        return { refused: refusal(error, response.status) };
      throw error;
    }
  }

  async #revoke(holder: TokenHolder, endpoints: Endpoints | undefined): Promise<Revocation> {
    const revocationUrl = endpoints?.revocationUrl;
    if (!endpoints || !revocationUrl) return { status: 'unsupported', error: null };
    // Under the refresh lock: a refresh in flight finishes first, and its new tokens are the ones revoked.
    return this.lock.run(holder.key, async (scope) => {
      const stored = await holder.read(scope.db);
      // The refresh token first: revoking it ends the grant at most providers (RFC 7009 §2.1).
      const tokens = [
        { token: stored?.refreshToken, hint: 'refresh_token' },
        { token: stored?.accessToken, hint: 'access_token' },
      ].filter((t): t is { token: string; hint: string } => t.token !== undefined);
      if (tokens.length === 0) return { status: 'skipped', error: null };
      if (!stored?.client) {
        return this.#revocationFailed(
          holder,
          'The connection has no client_id and client_secret to revoke with',
        );
      }
      const as = authorizationServer(endpoints);
      const client: oauth.Client = { client_id: stored.client.clientId };
      try {
        for (const { token, hint } of tokens) {
          const response = await oauth.revocationRequest(
            as,
            client,
            oauth.ClientSecretBasic(stored.client.clientSecret),
            token,
            { ...requestOptions(revocationUrl), additionalParameters: { token_type_hint: hint } },
          );
          await oauth.processRevocationResponse(response);
        }
      } catch (error) {
        const detail =
          error instanceof oauth.ResponseBodyError
            ? `${error.error} (HTTP ${error.status})`
            : messageOf(error);
        return this.#revocationFailed(
          holder,
          `The provider did not revoke the token: ${detail}`.slice(0, 500),
        );
      }
      this.logger.info(holder.logFields, 'OAuth tokens revoked at the provider');
      return { status: 'revoked', error: null };
    });
  }

  #revocationFailed(holder: TokenHolder, error: string): Revocation {
    this.logger.warn(
      { ...holder.logFields, err: error },
      'OAuth token revocation failed; deleting the tokens anyway',
    );
    return { status: 'failed', error };
  }
}

function oauthEndpoints(row: ConnectionWithDefinition): Endpoints | undefined {
  return row.auth_type === 'oauth2' ? endpointsOf(row.oauth) : undefined;
}

/** When a granted token expires, from its `expires_in`; null when the provider did not say. */
export function expiryOf(tokens: oauth.TokenEndpointResponse, now: Date): string | null {
  return tokens.expires_in === undefined
    ? null
    : new Date(now.getTime() + tokens.expires_in * 1000).toISOString();
}

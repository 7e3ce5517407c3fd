import * as oauth from 'oauth4webapi';
import { AppError } from '../../platform/errors.js';
import type { Config, ConnectionSecrets } from '../connections/secrets.js';
import type { ConnectionWithDefinition } from '../connections/store.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const REQUEST_TIMEOUT_MS = 15_000;

/** A definition's OAuth endpoints, as `integration_definitions.oauth` stores them (snake_case). */
export interface Endpoints {
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl?: string;
  issuer?: string;
  scopes: string[];
  scopeSeparator?: string;
  tokenTypes?: string[];
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

export function endpointsOf(value: Record<string, unknown> | null): Endpoints | undefined {
  const { authorization_url: authorizationUrl, token_url: tokenUrl, scopes } = value ?? {};
  if (typeof authorizationUrl !== 'string' || typeof tokenUrl !== 'string') return undefined;
  const names = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  return {
    authorizationUrl,
    tokenUrl,
    revocationUrl: optionalString(value?.revocation_url),
    issuer: optionalString(value?.issuer),
    scopes: names,
    scopeSeparator: optionalString(value?.scope_separator),
    tokenTypes: Array.isArray(value?.token_types)
      ? value.token_types.filter((t): t is string => typeof t === 'string')
      : undefined,
  };
}

/**
 * The authorization server as oauth4webapi needs it. Without a declared issuer, the authorization
 * endpoint's origin stands in for the RFC 9207 `iss` check.
 */
export function authorizationServer(endpoints: Endpoints): oauth.AuthorizationServer {
  return {
    issuer: endpoints.issuer ?? new URL(endpoints.authorizationUrl).origin,
    authorization_endpoint: endpoints.authorizationUrl,
    token_endpoint: endpoints.tokenUrl,
    ...(endpoints.revocationUrl ? { revocation_endpoint: endpoints.revocationUrl } : {}),
  };
}

/** What a token endpoint's answer is read with: the provider's own token types taken as bearer tokens. */
export function tokenResponseOptions(endpoints: Endpoints): oauth.ProcessTokenResponseOptions {
  const accept = () => {};
  return {
    recognizedTokenTypes: Object.fromEntries((endpoints.tokenTypes ?? []).map((type) => [type, accept])),
  };
}

/** Options for a back-channel request to `url`: a timeout, and plain http only on this machine. */
export function requestOptions(url: string) {
  return {
    // Plain http only to a provider on this machine (development and tests).
    [oauth.allowInsecureRequests]: LOOPBACK_HOSTS.includes(new URL(url).hostname),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  };
}

/** The connection's OAuth client: `client_id` in its config, `client_secret` in its opened secrets. */
export function clientOf(config: Config, opened: Config): ClientCredentials | undefined {
  const { client_id: clientId } = config;
  const { client_secret: clientSecret } = opened;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string') return undefined;
  return { clientId, clientSecret };
}

/** The client, or the 400 that tells the caller what to set. */
export function requireClient(
  row: Pick<ConnectionWithDefinition, 'org_id' | 'id' | 'config' | 'secrets'>,
  secrets: ConnectionSecrets,
): ClientCredentials {
  const client = clientOf(row.config, secrets.open(row.org_id, row.id, row.secrets));
  if (!client) {
    throw new AppError('BAD_REQUEST', "Set client_id and client_secret in the connection's config first");
  }
  return client;
}

/** The endpoints of an oauth2 definition, or the error that says why this connection has none. */
export function requireEndpoints(row: Pick<ConnectionWithDefinition, 'auth_type' | 'oauth'>): Endpoints {
  if (row.auth_type !== 'oauth2') {
    throw new AppError(
      'AUTH_TYPE_MISMATCH',
      `This integration authenticates with ${row.auth_type}, not oauth2`,
      {
        auth_type: row.auth_type,
      },
    );
  }
  const endpoints = endpointsOf(row.oauth);
  if (!endpoints) throw new AppError('BAD_REQUEST', 'This integration declares no OAuth endpoints');
  return endpoints;
}

import { InvalidFieldsError } from '../errors.js';
import type { ProviderAuth } from './provider-fetch.js';

/**
 * How a provider's requests carry a connection's credential, declared once by its connector so no
 * request sets it by hand:
 * - `header`: a config field's value in a header, after a prefix (`Authorization: SSWS …`,
 *   `Bearer …`, `token …`, or a bare `X-Api-Key`);
 * - `query`: a config field's value in the query parameter `param` of every request (an API key
 *   the provider reads from the URL); the engine adds it as each request is sent and strips it from
 *   the URLs answers give back, so no connector, cursor, log line or error message ever holds it;
 * - `basic`: HTTP Basic from two config fields (the password may be empty);
 * - `oauth2`: the connection's OAuth access token as a bearer, refreshed after a 401;
 * - `none`: nothing (no credential, or an SDK that signs its own requests, as AWS SigV4).
 */
export type CredentialScheme =
  | { kind: 'header'; header: string; prefix?: string; field: string }
  | { kind: 'query'; param: string; field: string }
  | { kind: 'basic'; usernameField: string; passwordField: string }
  | { kind: 'oauth2' }
  | { kind: 'none' };

/**
 * A connector's scheme as its definition declares it: fixed, or chosen by each connection's config
 * (a generic connector whose config says how its API authenticates).
 */
export type CredentialDeclaration =
  | CredentialScheme
  | ((config: Record<string, unknown>) => CredentialScheme);

/** The scheme a connection's requests use: the declared one, or the one its config chooses. */
export function credentialSchemeOf(
  declared: CredentialDeclaration | undefined,
  config: Record<string, unknown>,
): CredentialScheme {
  if (declared === undefined) return { kind: 'none' };
  return typeof declared === 'function' ? declared(config) : declared;
}

function field(config: Record<string, unknown>, name: string): string {
  const value = config[name];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidFieldsError([{ field: `config.${name}`, message: 'is required to call the provider' }]);
  }
  return value;
}

const noRefresh = async () => false;

/**
 * The ProviderAuth of a scheme that takes its credential from the config (`header`, `query`,
 * `basic`); for `oauth2` the credentials module gives one, and `none` needs none.
 */
export function configCredential(
  scheme: CredentialScheme,
  config: Record<string, unknown>,
): ProviderAuth | undefined {
  switch (scheme.kind) {
    case 'header': {
      const value = `${scheme.prefix ?? ''}${field(config, scheme.field)}`;
      return {
        authorize: async (headers) => headers.set(scheme.header, value),
        refreshAfterUnauthorized: noRefresh,
      };
    }
    case 'query': {
      const query = { param: scheme.param, value: field(config, scheme.field) };
      return { authorize: async () => {}, query, refreshAfterUnauthorized: noRefresh };
    }
    case 'basic': {
      // RFC 7617 allows an empty password (APIs that take a key as the user name).
      const password = config[scheme.passwordField];
      const pair = `${field(config, scheme.usernameField)}:${typeof password === 'string' ? password : ''}`;
      const value = `Basic ${Buffer.from(pair).toString('base64')}`;
      return {
        authorize: async (headers) => headers.set('authorization', value),
        refreshAfterUnauthorized: noRefresh,
      };
    }
    default:
      return undefined;
  }
}

/** Whether a query pair (`name=value`, form-encoded) is named `name`. */
function named(pair: string, name: string): boolean {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')) === name;
  } catch {
    return raw === name;
  }
}

/**
 * A URL reference (absolute or relative) without the query parameter `name`. Only the pairs so
 * named go; the others stay byte for byte, as the provider encoded them.
 */
export function withoutQueryParam(reference: string, name: string): string {
  const hashAt = reference.indexOf('#');
  const beforeHash = hashAt < 0 ? reference : reference.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : reference.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt < 0) return reference;
  const kept = beforeHash
    .slice(queryAt + 1)
    .split('&')
    .filter((pair) => pair !== '' && !named(pair, name));
  return `${beforeHash.slice(0, queryAt)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${hash}`;
}

/** `url` with the query credential set: any pair already so named replaced, the others untouched. */
export function withQueryCredential(url: URL, query: { param: string; value: string }): URL {
  const sent = new URL(withoutQueryParam(url.href, query.param));
  const pair = `${encodeURIComponent(query.param)}=${encodeURIComponent(query.value)}`;
  sent.search = sent.search === '' ? `?${pair}` : `${sent.search}&${pair}`;
  return sent;
}

/**
 * A header's value without the query credential in the URLs it names: `Link` targets (`<…>`) and
 * `Location`-style values, which providers often build from the request's own URL, key included.
 */
export function withoutQueryCredential(header: string, param: string): string {
  if (header.includes('<'))
    return header.replace(/<([^>]*)>/g, (_, target: string) => `<${withoutQueryParam(target, param)}>`);
  return withoutQueryParam(header, param);
}

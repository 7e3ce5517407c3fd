import { InvalidFieldsError } from '../errors.js';
import type { ProviderAuth } from './provider-fetch.js';

/**
 * How a provider's requests carry a connection's credential, declared once by its connector so no
 * request sets it by hand:
 * - `header`: a config field's value in a header, after a prefix (`Authorization: SSWS …`,
 *   `Bearer …`, `token …`, or a bare `X-Api-Key`);
 * - `basic`: HTTP Basic from two config fields;
 * - `oauth2`: the connection's OAuth access token as a bearer, refreshed after a 401;
 * - `none`: nothing (no credential, or an SDK that signs its own requests, as AWS SigV4).
 */
export type CredentialScheme =
  | { kind: 'header'; header: string; prefix?: string; field: string }
  | { kind: 'basic'; usernameField: string; passwordField: string }
  | { kind: 'oauth2' }
  | { kind: 'none' };

function field(config: Record<string, unknown>, name: string): string {
  const value = config[name];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidFieldsError([{ field: `config.${name}`, message: 'is required to call the provider' }]);
  }
  return value;
}

/**
 * The ProviderAuth of a scheme that takes its credential from the config (`header`, `basic`); for
 * `oauth2` the credentials module gives one, and `none` needs none.
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
        refreshAfterUnauthorized: async () => false,
      };
    }
    case 'basic': {
      const pair = `${field(config, scheme.usernameField)}:${field(config, scheme.passwordField)}`;
      const value = `Basic ${Buffer.from(pair).toString('base64')}`;
      return {
        authorize: async (headers) => headers.set('authorization', value),
        refreshAfterUnauthorized: async () => false,
      };
    }
    default:
      return undefined;
  }
}

/** How a custom HTTP connection authenticates, as its config chooses (the definition's credential). */
import type { CredentialScheme } from '../sdk.js';

export function customHttpCredential(config: Record<string, unknown>): CredentialScheme {
  switch (config.auth_type) {
    case 'bearer':
      return { kind: 'header', header: 'authorization', prefix: 'Bearer ', field: 'token' };
    case 'api_key': {
      const name = typeof config.key_name === 'string' ? config.key_name : '';
      return config.key_in === 'query'
        ? { kind: 'query', param: name, field: 'api_key' }
        : { kind: 'header', header: name, field: 'api_key' };
    }
    case 'basic':
      return { kind: 'basic', usernameField: 'username', passwordField: 'password' };
    default:
      return { kind: 'none' };
  }
}

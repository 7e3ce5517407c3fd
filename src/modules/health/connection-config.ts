import { SecretBoxError } from '../../platform/crypto/secret-box.js';
import { AppError } from '../../platform/http/errors.js';
import type { Config, ConnectionSecrets } from '../connections/secrets.js';
import type { ConnectionWithDefinition } from '../connections/store.js';

/**
 * The config a connector runs with: the clear part and the decrypted secrets. Credentials that no
 * longer decrypt (altered, or sealed with a retired key) are a 422 CREDENTIALS_UNREADABLE.
 *
 * The same rule as ConnectionService's private #openSecrets; a candidate for connections/secrets.ts
 * so both modules share one copy.
 */
export function openConnectionConfig(secrets: ConnectionSecrets, row: ConnectionWithDefinition): Config {
  try {
    return { ...row.config, ...secrets.open(row.org_id, row.id, row.secrets) };
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new AppError('CREDENTIALS_UNREADABLE', undefined, { reason: error.reason });
    }
    throw error;
  }
}

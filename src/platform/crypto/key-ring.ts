import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import type { Logger } from '../logging/logger.js';
import { createPrivateFile } from '../private-files.js';
import { SecretBox, SecretBoxError } from './secret-box.js';

export const ENCRYPTION_KEY_BYTES = 32;

export interface EncryptionKey {
  /** First 8 hex digits of the key's SHA-256: names the key in ciphertexts, reveals nothing usable. */
  readonly id: string;
  /** A KeyObject, so logging or inspecting the ring never prints the key bytes. */
  readonly key: KeyObject;
}

/**
 * The primary key seals; older keys only open what they sealed. Rotation: the new key becomes
 * primary, the old one moves to the older keys until a re-encryption pass has rewritten its data.
 */
export class KeyRing {
  readonly primary: EncryptionKey;
  readonly #byId = new Map<string, EncryptionKey>();

  constructor(primary: Uint8Array, older: readonly Uint8Array[] = []) {
    this.primary = this.#add(primary);
    for (const key of older) this.#add(key);
  }

  find(id: string): EncryptionKey | undefined {
    return this.#byId.get(id);
  }

  #add(bytes: Uint8Array): EncryptionKey {
    if (bytes.length !== ENCRYPTION_KEY_BYTES) {
      throw new SecretBoxError('invalid_key', `an encryption key must be ${ENCRYPTION_KEY_BYTES} bytes`);
    }
    const entry = {
      id: createHash('sha256').update(bytes).digest('hex').slice(0, 8),
      key: createSecretKey(bytes),
    };
    const known = this.#byId.get(entry.id);
    if (known && !known.key.equals(entry.key)) {
      throw new SecretBoxError('invalid_key', `two different encryption keys share the id ${entry.id}`);
    }
    if (!known) this.#byId.set(entry.id, entry);
    return known ?? entry;
  }
}

/** Decodes a base64 (or base64url) key; `source` names where it came from in the error. */
export function decodeEncryptionKey(base64: string, source: string): Buffer {
  const bytes = Buffer.from(base64.trim(), 'base64');
  if (bytes.length !== ENCRYPTION_KEY_BYTES) {
    throw new SecretBoxError(
      'invalid_key',
      `${source} must hold ${ENCRYPTION_KEY_BYTES} bytes encoded as base64`,
    );
  }
  return bytes;
}

/**
 * The vault's SecretBox: keys from SWITCHBOARD_ENCRYPTION_KEY / _OLD_KEYS, or, in embedded mode
 * only, a primary key generated once into the data directory.
 */
export function resolveSecretBox(config: Config, logger: Logger): SecretBox {
  // loadConfig refuses a PostgreSQL deployment without a configured key.
  const primary = config.encryption.key
    ? decodeEncryptionKey(config.encryption.key, 'SWITCHBOARD_ENCRYPTION_KEY')
    : embeddedKey(config.dataDir, logger);
  const older = config.encryption.oldKeys.map((k) =>
    decodeEncryptionKey(k, 'SWITCHBOARD_ENCRYPTION_OLD_KEYS'),
  );
  return new SecretBox(new KeyRing(primary, older));
}

function embeddedKey(dataDir: string, logger: Logger): Buffer {
  const file = path.join(dataDir, 'encryption-key');
  // Never overwritten: the key already there is the one existing secrets were sealed with.
  if (createPrivateFile(file, `${randomBytes(ENCRYPTION_KEY_BYTES).toString('base64')}\n`)) {
    logger.warn(
      { file },
      'SWITCHBOARD_ENCRYPTION_KEY is not set: generated an encryption key into the data directory (back it up: stored credentials cannot be decrypted without it)',
    );
  }
  return decodeEncryptionKey(fs.readFileSync(file, 'utf8'), file);
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './key-ring.js';

/**
 * Secrets at rest: AES-256-GCM, each ciphertext bound to associated data the caller builds from
 * the row that holds it (`org:<id>|connection:<id>|field:<name>`), so a ciphertext copied to
 * another row does not decrypt. Sealed form, every part but the key id base64url:
 *
 *   v1.<key id>.<iv, 12 bytes>.<tag, 16 bytes>.<ciphertext>
 */
const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[0-9a-f]{8}$/;

export type SecretBoxErrorReason =
  | 'malformed'
  | 'unknown_key'
  | 'authentication_failed'
  | 'missing_aad'
  | 'invalid_key';

/** Messages name what went wrong and at most a key id: never a plaintext, ciphertext or key. */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

interface Sealed {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export class SecretBox {
  constructor(private readonly keys: KeyRing) {}

  /** The id of the key new secrets are sealed with. */
  get primaryKeyId(): string {
    return this.keys.primary.id;
  }

  encrypt(plaintext: string, aad: string): string {
    const { id, key } = this.keys.primary;
    // A fresh random IV per message: GCM breaks if a (key, IV) pair is ever reused.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(id, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const encoded = [iv, cipher.getAuthTag(), ciphertext].map((bytes) => bytes.toString('base64url'));
    return [VERSION, id, ...encoded].join('.');
  }

  decrypt(sealed: string, aad: string): string {
    const { keyId, iv, tag, ciphertext } = parse(sealed);
    const key = this.keys.find(keyId);
    if (!key) throw new SecretBoxError('unknown_key', `no configured encryption key has the id ${keyId}`);
    const decipher = createDecipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(keyId, aad));
    decipher.setAuthTag(tag);
    try {
      // Nothing is returned before final() has checked the tag.
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'authentication_failed',
        'the secret does not decrypt: it was altered, or belongs to another record',
      );
    }
  }

  /** Whether `sealed` was made with the primary key; a re-encryption pass rewrites the others. */
  isCurrent(sealed: string): boolean {
    return parse(sealed).keyId === this.keys.primary.id;
  }
}

// The header is authenticated too, so the version or key id cannot be swapped unnoticed.
function associatedData(keyId: string, aad: string): Buffer {
  if (aad === '') throw new SecretBoxError('missing_aad', 'associated data is required');
  return Buffer.from(`${VERSION}.${keyId}.${aad}`, 'utf8');
}

function parse(sealed: string): Sealed {
  const [version, keyId = '', iv, tag, data, ...rest] = sealed.split('.');
  const ivBytes = base64url(iv);
  const tagBytes = base64url(tag);
  const ciphertext = base64url(data);
  if (
    version !== VERSION ||
    !KEY_ID.test(keyId) ||
    ivBytes?.length !== IV_BYTES ||
    tagBytes?.length !== TAG_BYTES ||
    !ciphertext ||
    rest.length > 0
  ) {
    // The input is not echoed: a value stored in clear by mistake would land in the logs.
    throw new SecretBoxError(
      'malformed',
      `not a sealed secret (expected ${VERSION}.<key id>.<iv>.<tag>.<data>)`,
    );
  }
  return { keyId, iv: ivBytes, tag: tagBytes, ciphertext };
}

// Only the canonical encoding is accepted: Node's decoder ignores stray characters and trailing
// bits, which would let one ciphertext be spelled several ways.
function base64url(text: string | undefined): Buffer | undefined {
  if (text === undefined) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

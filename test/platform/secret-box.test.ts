import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { KeyRing, resolveSecretBox } from '../../src/platform/crypto/key-ring.js';
import {
  SecretBox,
  SecretBoxError,
  type SecretBoxErrorReason,
} from '../../src/platform/crypto/secret-box.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { LogCapture } from '../helpers/app.js';
import { tempDir } from '../helpers/databases.js';

const AAD =
  'org:0190a1b2-0000-7000-8000-000000000001|connection:0190a1b2-0000-7000-8000-00000000000a|field:api_token';
const OTHER_ROW =
  'org:0190a1b2-0000-7000-8000-000000000001|connection:0190a1b2-0000-7000-8000-00000000000b|field:api_token';
const SECRET = 'ghp_sup3r-s3cret-t0ken-value';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const idOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);
const box = (primary: Buffer, ...older: Buffer[]) => new SecretBox(new KeyRing(primary, older));

/** Runs `fn`, expecting a SecretBoxError for `reason`, and returns it. */
function failure(fn: () => unknown, reason: SecretBoxErrorReason): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    expect((error as SecretBoxError).reason).toBe(reason);
    return error as SecretBoxError;
  }
  throw new Error(`expected a SecretBoxError (${reason})`);
}

/** The sealed string with one part replaced: parts are version, key id, iv, tag, ciphertext. */
function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = change(parts[index]!);
  return parts.join('.');
}

function flipFirstBit(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('SecretBox', () => {
  const sb = box(keyA);

  it('round-trips unicode, empty and large values', () => {
    const values = ['', SECRET, 'päss wörd ✓ 秘密 🔑 \u0000 "quoted"\n', 'x'.repeat(2_000_000)];
    for (const value of values) expect(sb.decrypt(sb.encrypt(value, AAD), AAD)).toBe(value);
  });

  it('writes v1.<key id>.<iv>.<tag>.<ciphertext> with a fresh IV each time', () => {
    const first = sb.encrypt(SECRET, AAD);
    const second = sb.encrypt(SECRET, AAD);
    expect(first).not.toBe(second);
    const [version, keyId, iv, tag, ciphertext] = first.split('.');
    expect(version).toBe('v1');
    expect(keyId).toBe(idOf(keyA));
    expect(sb.primaryKeyId).toBe(idOf(keyA));
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength(Buffer.byteLength(SECRET));
    expect(iv).not.toBe(second.split('.')[2]);
    expect(first).not.toContain(SECRET);
  });

  it('refuses the wrong associated data, such as another row', () => {
    const sealed = sb.encrypt(SECRET, AAD);
    failure(() => sb.decrypt(sealed, OTHER_ROW), 'authentication_failed');
    failure(
      () => sb.decrypt(sealed, AAD.replace('field:api_token', 'field:password')),
      'authentication_failed',
    );
    failure(() => sb.decrypt(sealed, `${AAD} `), 'authentication_failed');
    failure(() => sb.encrypt(SECRET, ''), 'missing_aad');
    failure(() => sb.decrypt(sealed, ''), 'missing_aad');
  });

  it('detects tampering with the IV, the tag or the ciphertext', () => {
    const sealed = sb.encrypt(SECRET, AAD);
    for (const index of [2, 3, 4]) {
      failure(() => sb.decrypt(withPart(sealed, index, flipFirstBit), AAD), 'authentication_failed');
    }
    failure(
      () =>
        sb.decrypt(
          withPart(sealed, 4, (c) => `${c}AA`),
          AAD,
        ),
      'authentication_failed',
    );
    failure(
      () =>
        sb.decrypt(
          withPart(sealed, 4, (c) => c.slice(0, -2)),
          AAD,
        ),
      'authentication_failed',
    );
    const empty = sb.encrypt('', AAD);
    failure(
      () =>
        sb.decrypt(
          withPart(empty, 4, () => 'AA'),
          AAD,
        ),
      'authentication_failed',
    );
  });

  it('refuses a changed version or key id', () => {
    const sealed = sb.encrypt(SECRET, AAD);
    failure(
      () =>
        sb.decrypt(
          withPart(sealed, 0, () => 'v2'),
          AAD,
        ),
      'malformed',
    );
    failure(
      () =>
        sb.decrypt(
          withPart(sealed, 1, () => '00000000'),
          AAD,
        ),
      'unknown_key',
    );
    // Even a key the ring holds cannot open what another key sealed.
    const both = box(keyB, keyA);
    failure(
      () =>
        both.decrypt(
          withPart(sealed, 1, () => idOf(keyB)),
          AAD,
        ),
      'authentication_failed',
    );
  });

  it('refuses malformed strings, including other spellings of the same bytes', () => {
    const sealed = sb.encrypt(SECRET, AAD);
    const [, , iv, tag] = sealed.split('.');
    const malformed = [
      '',
      SECRET,
      'v1',
      sealed.split('.').slice(0, 4).join('.'),
      `${sealed}.extra`,
      withPart(sealed, 1, (id) => id.toUpperCase().replace(/[0-9]/g, 'A')),
      withPart(sealed, 1, (id) => `${id}0`),
      withPart(sealed, 2, (part) => part.slice(1)),
      withPart(sealed, 3, (part) => `${part}A`),
      withPart(sealed, 2, (part) => `${part}=`),
      withPart(sealed, 3, (part) => `${part.slice(0, 4)}+${part.slice(5)}`),
      withPart(sealed, 4, (part) => `${part}!`),
      // A 16-byte tag is 22 characters, the last carrying 4 unused bits: setting one is refused.
      withPart(sealed, 3, (part) => part.slice(0, -1) + BASE64URL[BASE64URL.indexOf(part.at(-1)!) + 1]),
    ];
    expect(tag).toHaveLength(22);
    expect(iv).toHaveLength(16);
    for (const value of malformed) failure(() => sb.decrypt(value, AAD), 'malformed');
    failure(() => sb.isCurrent('not sealed'), 'malformed');
  });

  it('never puts plaintext or key material in an error', () => {
    const sealed = sb.encrypt(SECRET, AAD);
    const errors = [
      failure(() => sb.decrypt(sealed, OTHER_ROW), 'authentication_failed'),
      failure(() => sb.decrypt(withPart(sealed, 4, flipFirstBit), AAD), 'authentication_failed'),
      failure(() => box(keyB).decrypt(sealed, AAD), 'unknown_key'),
      failure(() => sb.decrypt(SECRET, AAD), 'malformed'),
      failure(() => sb.decrypt(`v1.${idOf(keyA)}.${SECRET}`, AAD), 'malformed'),
    ];
    const forbidden = [SECRET, keyA.toString('base64'), keyA.toString('base64url'), keyA.toString('hex')];
    for (const error of errors) {
      const shown = `${error.message}\n${error.stack}\n${inspect(error)}\n${JSON.stringify(error)}`;
      for (const value of forbidden) expect(shown).not.toContain(value);
    }
    // Nor does inspecting the box (e.g. a logged object holding it) show the key.
    const shown = inspect(sb, { depth: 10 });
    for (const value of forbidden.slice(1)) expect(shown).not.toContain(value);
  });
});

describe('key rotation', () => {
  it('seals with the primary key and opens with older ones; isCurrent tells them apart', () => {
    const before = box(keyA);
    const sealedA = before.encrypt(SECRET, AAD);

    const rotating = box(keyB, keyA);
    expect(rotating.decrypt(sealedA, AAD)).toBe(SECRET);
    expect(rotating.isCurrent(sealedA)).toBe(false);
    const sealedB = rotating.encrypt(SECRET, AAD);
    expect(sealedB.split('.')[1]).toBe(idOf(keyB));
    expect(rotating.isCurrent(sealedB)).toBe(true);
    expect(rotating.primaryKeyId).toBe(idOf(keyB));

    // The processes still on the old key cannot read the new data; once the old key is dropped,
    // data it sealed is refused by id.
    failure(() => before.decrypt(sealedB, AAD), 'unknown_key');
    const after = box(keyB);
    expect(after.decrypt(sealedB, AAD)).toBe(SECRET);
    failure(() => after.decrypt(sealedA, AAD), 'unknown_key');
  });

  it('accepts the primary key among the older ones, and refuses keys of the wrong size', () => {
    expect(box(keyA, keyA, keyB).primaryKeyId).toBe(idOf(keyA));
    failure(() => new KeyRing(randomBytes(16)), 'invalid_key');
    failure(() => new KeyRing(keyA, [randomBytes(33)]), 'invalid_key');
  });
});

describe('resolveSecretBox', () => {
  function logger() {
    const logs = new LogCapture();
    return { logs, logger: createLogger('info', logs) };
  }

  it('generates a key into the data dir once, with a warning, and reuses it', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const config = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir });
    const file = path.join(dataDir, 'encryption-key');

    const first = logger();
    const sealed = resolveSecretBox(config, first.logger).encrypt(SECRET, AAD);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    expect(key).toHaveLength(32);
    expect(sealed.split('.')[1]).toBe(idOf(key));
    expect(first.logs.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        file,
        msg: expect.stringContaining('SWITCHBOARD_ENCRYPTION_KEY'),
      }),
    ]);
    expect(first.logs.text()).not.toContain(key.toString('base64'));

    const second = logger();
    expect(resolveSecretBox(config, second.logger).decrypt(sealed, AAD)).toBe(SECRET);
    expect(second.logs.lines).toEqual([]);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')).toEqual(key);
  });

  it('uses the configured keys and writes nothing', () => {
    const dataDir = tempDir();
    const config = loadConfig({
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_ENCRYPTION_KEY: keyB.toString('base64'),
      // base64url is accepted too, and spaces around the commas.
      SWITCHBOARD_ENCRYPTION_OLD_KEYS: ` ${keyA.toString('base64url')} , ${randomBytes(32).toString('base64')}`,
    });
    const { logs, logger: log } = logger();
    const sb = resolveSecretBox(config, log);
    expect(sb.primaryKeyId).toBe(idOf(keyB));
    expect(sb.decrypt(box(keyA).encrypt(SECRET, AAD), AAD)).toBe(SECRET);
    expect(fs.readdirSync(dataDir)).toEqual([]);
    expect(logs.lines).toEqual([]);
  });

  it('refuses a damaged key file, naming the file but not its content', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'encryption-key');
    fs.writeFileSync(file, 'c2hvcnQta2V5\n', { mode: 0o600 });
    const error = failure(
      () => resolveSecretBox(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir }), logger().logger),
      'invalid_key',
    );
    expect(error.message).toContain(file);
    expect(error.message).not.toContain('c2hvcnQta2V5');
  });
});

describe('encryption settings', () => {
  function problems(env: Record<string, string>): string[] {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  }

  it('accepts a 32-byte key in base64 or base64url', () => {
    for (const key of [keyA.toString('base64'), keyA.toString('base64url')]) {
      expect(loadConfig({ SWITCHBOARD_ENCRYPTION_KEY: key }).encryption).toEqual({ key, oldKeys: [] });
    }
  });

  it('refuses a key of the wrong size or alphabet, naming the variable and not echoing the value', () => {
    const bad = [
      'short',
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      '*'.repeat(44),
    ];
    for (const key of bad) {
      const found = problems({ SWITCHBOARD_ENCRYPTION_KEY: key });
      expect(found).toEqual([
        'SWITCHBOARD_ENCRYPTION_KEY must be 32 bytes encoded as base64 (`openssl rand -base64 32`)',
      ]);
    }
    expect(problems({ SWITCHBOARD_ENCRYPTION_OLD_KEYS: `${keyA.toString('base64')},oops` })).toEqual([
      'SWITCHBOARD_ENCRYPTION_OLD_KEYS must be comma-separated keys, each 32 bytes encoded as base64',
    ]);
  });

  it('requires a configured key when running on PostgreSQL', () => {
    const env = { DATABASE_URL: 'postgres://db/sb', SWITCHBOARD_JWT_SECRET: 'x'.repeat(32) };
    expect(problems(env)).toEqual([
      'SWITCHBOARD_ENCRYPTION_KEY must be set when DATABASE_URL is (every process must share it)',
    ]);
    const key = keyA.toString('base64');
    expect(loadConfig({ ...env, SWITCHBOARD_ENCRYPTION_KEY: key }).encryption.key).toBe(key);
  });
});

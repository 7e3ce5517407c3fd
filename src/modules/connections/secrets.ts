import { isSecretField } from '../../connectors/sdk.js';
import { type SecretBox, SecretBoxError } from '../../platform/crypto/secret-box.js';
import { AppError } from '../../platform/errors.js';

/** What responses show in place of a secret; sent back in a PUT, it keeps the stored value. */
export const MASKED = '***masked***';

export type Config = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The names of the fields a stored `config_schema` marks secret. */
export function secretFieldsOf(schema: Record<string, unknown>): string[] {
  const properties = schema.properties;
  if (!isRecord(properties)) return [];
  return Object.entries(properties)
    .filter(
      ([, field]) =>
        isRecord(field) &&
        isSecretField({
          type: 'string',
          format: typeof field.format === 'string' ? field.format : undefined,
          'x-secret': field['x-secret'] === true,
        }),
    )
    .map(([name]) => name);
}

/** Config with the secret fields sent as `***masked***` left out: they mean "keep what is stored". */
export function withoutMasked(config: Config, secretFields: readonly string[]): Config {
  return Object.fromEntries(
    Object.entries(config).filter(([name, value]) => !(secretFields.includes(name) && value === MASKED)),
  );
}

/** Splits a validated config into the part stored in clear and the part sealed. */
export function splitConfig(
  config: Config,
  secretFields: readonly string[],
): { plain: Config; secret: Config } {
  const plain: Config = {};
  const secret: Config = {};
  for (const [name, value] of Object.entries(config)) {
    if (secretFields.includes(name)) secret[name] = value;
    else plain[name] = value;
  }
  return { plain, secret };
}

/** The config a response shows: the clear part, and each stored secret as `***masked***`. */
export function maskedConfig(plain: Config, secretNames: Iterable<string>): Config {
  const masked: Config = { ...plain };
  for (const name of secretNames) masked[name] = MASKED;
  return masked;
}

/**
 * What an OAuth grant stores beside the config's secret fields in a connection's secrets. They are
 * not config: never validated against the schema, shown, or handed to a connector as config.
 */
export const OAUTH_TOKEN_FIELDS = ['access_token', 'refresh_token', 'expires_at'] as const;

const isTokenField = (name: string) => (OAUTH_TOKEN_FIELDS as readonly string[]).includes(name);

/** The opened secrets without the OAuth tokens: the config's own secret fields. */
export function withoutTokens(secret: Config): Config {
  return Object.fromEntries(Object.entries(secret).filter(([name]) => !isTokenField(name)));
}

/** Only the OAuth tokens of the opened secrets. */
export function tokensOf(secret: Config): Config {
  return Object.fromEntries(Object.entries(secret).filter(([name]) => isTokenField(name)));
}

/**
 * Seals and opens a connection's secret fields as one JSON object, bound to the org and the
 * connection (and to the user, for a user's own credential): a ciphertext copied into another row
 * does not decrypt.
 */
export class ConnectionSecrets {
  constructor(private readonly box: SecretBox) {}

  seal(orgId: string, connectionId: string, secret: Config, userId?: string): string | null {
    if (Object.keys(secret).length === 0) return null;
    return this.box.encrypt(JSON.stringify(secret), aad(orgId, connectionId, userId));
  }

  /** Throws SecretBoxError when the ciphertext is altered, foreign or sealed with an unknown key. */
  open(orgId: string, connectionId: string, sealed: string | null, userId?: string): Config {
    if (sealed === null) return {};
    const value: unknown = JSON.parse(this.box.decrypt(sealed, aad(orgId, connectionId, userId)));
    return isRecord(value) ? value : {};
  }
}

function aad(orgId: string, connectionId: string, userId: string | undefined): string {
  const base = `org:${orgId}|connection:${connectionId}`;
  return userId === undefined ? base : `${base}|user:${userId}`;
}

/**
 * The config a connector runs with: the clear part and the decrypted secret fields (OAuth tokens
 * reach it only as a bearer header). Credentials that no longer decrypt (altered, or sealed with a
 * retired key) are a 422 CREDENTIALS_UNREADABLE.
 */
export function connectorConfig(
  secrets: ConnectionSecrets,
  row: { org_id: string; id: string; config: Config; secrets: string | null },
): Config {
  try {
    return { ...row.config, ...withoutTokens(secrets.open(row.org_id, row.id, row.secrets)) };
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new AppError('CREDENTIALS_UNREADABLE', undefined, { reason: error.reason });
    }
    throw error;
  }
}

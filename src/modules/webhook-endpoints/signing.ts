import { createHmac } from 'node:crypto';

/** The secrets an endpoint signs with: its own, and during a rotation the previous one beside it. */
export interface SigningSecrets {
  current: string;
  previous?: string;
}

const SECRET_PREFIX = 'whsec_';

/**
 * Standard Webhooks' signing key: the secret's bytes after `whsec_`, base64-decoded (as the
 * `standardwebhooks` and `svix` packages derive it). Signing here with node:crypto rather than
 * the package's pure-JS SHA-256 gives the same bytes several times faster.
 */
function signingKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one Standard Webhooks signature. */
function standardSignature(secret: string, signed: string, body: string): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(signed).update(body).digest('base64')}`;
}

/**
 * The headers that let a receiver check a delivery: Standard Webhooks' `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one
 * per secret, space-separated, so a receiver holding either secret verifies during a rotation), and
 * `X-Webhook-Signature: sha256=<hex HMAC of the body>` keyed with the whole current `whsec_…`
 * string, for receivers that check only that (Switchboard's own inbound `hmac` scheme does).
 */
export function signatureHeaders(
  messageId: string,
  timestamp: Date,
  body: string,
  secrets: SigningSecrets,
): Record<string, string> {
  const seconds = String(Math.floor(timestamp.getTime() / 1000));
  const signed = `${messageId}.${seconds}.`;
  const keys = secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  return {
    'webhook-id': messageId,
    'webhook-timestamp': seconds,
    'webhook-signature': keys.map((key) => standardSignature(key, signed, body)).join(' '),
    'x-webhook-signature': `sha256=${createHmac('sha256', secrets.current).update(body).digest('hex')}`,
  };
}

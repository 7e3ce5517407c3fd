import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The secrets an endpoint signs with: its own, and during a rotation the previous one beside it. */
export interface SigningSecrets {
  current: string;
  previous?: string;
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
  const keys = secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  const signatures = keys.map((key) => new Webhook(key).sign(messageId, timestamp, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
    'x-webhook-signature': `sha256=${createHmac('sha256', secrets.current).update(body).digest('hex')}`,
  };
}

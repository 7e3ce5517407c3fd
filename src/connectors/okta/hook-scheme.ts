/**
 * How Okta authenticates event hook requests (developer.okta.com/docs/concepts/event-hooks, "HTTP
 * headers", "One-time verification request"): no signature, but a secret the admin sets as the value
 * of a header, `Authorization` by default, sent with every request. The hook's endpoint is proven
 * once by a GET carrying `X-Okta-Verification-Challenge`, answered `{"verification": <value>}`.
 */
import { sameSecret, sha256Hex } from '../../platform/crypto/tokens.js';
import type { WebhookAnswer, WebhookDelivery, WebhookScheme, WebhookVerification } from '../sdk.js';
import { deliveryIdOf, deliveryTypeOf } from './event-hook.js';

/** The header holding the secret: the event hook's `channel.config.authScheme.key` must be it. */
const SECRET_HEADER = 'Authorization';
const CHALLENGE_HEADER = 'x-okta-verification-challenge';

async function verify(delivery: WebhookDelivery, secret: string): Promise<WebhookVerification> {
  const given = delivery.headers[SECRET_HEADER.toLowerCase()];
  if (given === undefined || given === '') {
    return {
      ok: false,
      reason: `No ${SECRET_HEADER} header: the event hook must send the webhook secret in it`,
    };
  }
  // Digests are the same length whatever was sent, so the comparison says nothing of the secret's length.
  if (!sameSecret(sha256Hex(given), sha256Hex(secret))) {
    return { ok: false, reason: `The ${SECRET_HEADER} header does not match the webhook secret` };
  }
  return { ok: true };
}

/** The one-time verification GET, answered with its challenge; deliveries (POSTs) are not handshakes. */
function handshake(delivery: WebhookDelivery): WebhookAnswer | undefined {
  const challenge = delivery.headers[CHALLENGE_HEADER];
  if (delivery.method !== 'GET' || challenge === undefined) return undefined;
  return { status: 200, body: { verification: challenge } };
}

export const oktaHookScheme: WebhookScheme = {
  name: 'okta',
  signatureHeader: SECRET_HEADER,
  verify,
  describe: (_delivery, payload) => ({ id: deliveryIdOf(payload), type: deliveryTypeOf(payload) }),
  handshake,
};

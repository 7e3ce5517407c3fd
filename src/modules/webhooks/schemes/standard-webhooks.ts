/**
 * Standard Webhooks (standardwebhooks.com): `webhook-signature` holds space-separated `v1,<base64>`
 * HMAC-SHA256 signatures of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64 after a
 * `whsec_` secret's prefix; several during a secret rotation, any one matching passes.
 *
 * The `standardwebhooks` package derives the key and signs, but its `verify` checks the timestamp
 * against the wall clock (Date.now(), no option to pass a time): the tolerance is checked here
 * against the delivery's arrival instead, and each given signature compared with the package's.
 */
import { Webhook } from 'standardwebhooks';
import type { WebhookDelivery, WebhookScheme, WebhookVerification } from '../../../connectors/sdk.js';
import { sameSecret } from '../../../platform/crypto/tokens.js';

/** The spec's (and the package's) replay window, either side of the arrival. */
const TOLERANCE_SECONDS = 5 * 60;

/** Unix seconds as the sender signed them: a leading zero would be signed differently than it reads. */
const UNIX_SECONDS = /^(?:0|[1-9]\d{0,15})$/;

export const standardWebhooksScheme: WebhookScheme = {
  name: 'standard-webhooks',
  signatureHeader: 'webhook-signature',
  async verify(delivery, secret) {
    return verifyStandardWebhook(delivery, secret);
  },
  describe(delivery, payload) {
    return { id: delivery.headers['webhook-id'] || null, type: eventType(payload) };
  },
};

function verifyStandardWebhook(delivery: WebhookDelivery, secret: string): WebhookVerification {
  const id = delivery.headers['webhook-id'];
  const timestamp = delivery.headers['webhook-timestamp'];
  const signatures = delivery.headers['webhook-signature'];
  if (!id) return { ok: false, reason: 'missing the webhook-id header' };
  if (!timestamp) return { ok: false, reason: 'missing the webhook-timestamp header' };
  if (!signatures) return { ok: false, reason: 'missing the webhook-signature header' };

  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, reason: 'malformed webhook-timestamp: not Unix seconds' };
  }
  const sentAt = Number(timestamp);
  const arrivedAt = Math.floor(delivery.receivedAt.getTime() / 1000);
  if (arrivedAt - sentAt > TOLERANCE_SECONDS) {
    return {
      ok: false,
      reason: `webhook-timestamp is ${arrivedAt - sentAt}s before arrival (tolerance ${TOLERANCE_SECONDS}s)`,
    };
  }
  if (sentAt - arrivedAt > TOLERANCE_SECONDS) {
    return {
      ok: false,
      reason: `webhook-timestamp is ${sentAt - arrivedAt}s after arrival (tolerance ${TOLERANCE_SECONDS}s)`,
    };
  }

  const signer = signerFor(secret);
  if (!signer) return { ok: false, reason: "the webhook's secret is not a Standard Webhooks secret" };
  const expected = signer.sign(id, new Date(sentAt * 1000), delivery.rawBody);
  const given = signatures.split(' ').filter((signature) => signature !== '');
  if (given.some((signature) => sameSecret(signature, expected))) return { ok: true };
  if (!given.some((signature) => signature.startsWith('v1,'))) {
    return { ok: false, reason: 'malformed webhook-signature: no v1 signature' };
  }
  return { ok: false, reason: "no webhook-signature matches the body signed with this webhook's secret" };
}

/** The package refuses a secret that is empty or not base64 after `whsec_`. */
function signerFor(secret: string): Webhook | undefined {
  try {
    return new Webhook(secret);
  } catch {
    return undefined;
  }
}

function eventType(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const type = (payload as Record<string, unknown>).type;
  return typeof type === 'string' && type !== '' ? type : null;
}

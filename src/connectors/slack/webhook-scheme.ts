/**
 * How Slack signs what it sends a request URL (docs.slack.dev, "Verifying requests from Slack"):
 * `X-Slack-Signature: v0=` and the hex HMAC-SHA256, keyed with the app's signing secret, of
 * `v0:{X-Slack-Request-Timestamp}:{raw body}`. The timestamp (epoch seconds) must be within five
 * minutes of arrival, either way, so a captured delivery cannot be replayed later.
 */
import { createHmac } from 'node:crypto';
import { sameSecret } from '../../platform/crypto/tokens.js';
import type { WebhookDelivery, WebhookScheme, WebhookVerification } from '../sdk.js';
import { challengeOf, envelopeType, eventCallbackOf } from './events-api.js';

/** Slack's advice: refuse a request whose timestamp is more than five minutes from the local time. */
export const MAX_SKEW_SECONDS = 5 * 60;

const VERSION = 'v0';
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

function refused(reason: string): WebhookVerification {
  return { ok: false, reason };
}

/** The signature Slack sends with `body` at `timestamp`, as the header carries it. */
export function slackSignature(secret: string, timestamp: string, body: Buffer): string {
  const hmac = createHmac('sha256', secret).update(`${VERSION}:${timestamp}:`).update(body);
  return `${VERSION}=${hmac.digest('hex')}`;
}

/** Why the timestamp is not one to accept at `receivedAt`, if it is not. */
function staleness(timestamp: string, receivedAt: Date): string | undefined {
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Slack-Request-Timestamp is not a Unix time in seconds';
  const skew = Math.floor(receivedAt.getTime() / 1000) - Number(timestamp);
  if (skew > MAX_SKEW_SECONDS) {
    return `X-Slack-Request-Timestamp is ${skew} seconds before the delivery arrived, more than 5 minutes: a replay is refused`;
  }
  if (-skew > MAX_SKEW_SECONDS) {
    return `X-Slack-Request-Timestamp is ${-skew} seconds in the future of the delivery, more than 5 minutes`;
  }
  return undefined;
}

async function verify(delivery: WebhookDelivery, secret: string): Promise<WebhookVerification> {
  if (secret === '') return refused('the webhook has no signing secret to check signatures with');
  const signature = delivery.headers['x-slack-signature'];
  const timestamp = delivery.headers['x-slack-request-timestamp'];
  if (!signature) return refused('missing the X-Slack-Signature header');
  if (!timestamp) return refused('missing the X-Slack-Request-Timestamp header');
  if (!SIGNATURE.test(signature)) {
    return refused('malformed X-Slack-Signature: expected v0= and 64 lower-case hex digits');
  }
  const stale = staleness(timestamp, delivery.receivedAt);
  if (stale) return refused(stale);
  if (!sameSecret(signature, slackSignature(secret, timestamp, delivery.rawBody))) {
    return refused('X-Slack-Signature does not match the body signed with the signing secret');
  }
  return { ok: true };
}

export const slackWebhookScheme: WebhookScheme = {
  name: 'slack',
  signatureHeader: 'X-Slack-Signature',
  verify,
  // A retry (X-Slack-Retry-Num) carries the same event_id; envelopes without an inner event have no id.
  describe(_delivery, payload) {
    const callback = eventCallbackOf(payload);
    if (callback) return { id: callback.eventId, type: callback.event.type };
    return { id: null, type: envelopeType(payload) };
  },
  handshake(_delivery, payload) {
    const challenge = challengeOf(payload);
    return challenge === undefined ? undefined : { status: 200, body: { challenge } };
  },
};

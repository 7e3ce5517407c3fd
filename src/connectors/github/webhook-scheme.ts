/**
 * How GitHub signs webhook deliveries ("Validating webhook deliveries"): `X-Hub-Signature-256` is
 * `sha256=` and the lower-case hex HMAC-SHA256 of the body, keyed with the webhook's secret. The
 * legacy `X-Hub-Signature` (SHA-1) is refused: GitHub sends the SHA-256 one beside it whenever a
 * secret is set. The HMAC is computed over the raw bytes, never over a decoded string.
 *
 * `X-GitHub-Delivery` is the delivery's GUID (a redelivery keeps it). The type is the
 * `X-GitHub-Event` name with the body's `action` after a dot where it has one (`repository.deleted`,
 * `push`, `ping`): Octokit's event names, so an event log tells a deletion from a creation
 * without opening payloads.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookDelivery, WebhookScheme, WebhookVerification } from '../sdk.js';

const SIGNATURE_HEADER = 'X-Hub-Signature-256';
const LEGACY_HEADER = 'x-hub-signature';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

function verifyGitHub(delivery: WebhookDelivery, secret: string): WebhookVerification {
  if (secret === '') return { ok: false, reason: 'the webhook has no secret to check signatures with' };
  const value = delivery.headers[SIGNATURE_HEADER.toLowerCase()];
  if (!value) {
    return delivery.headers[LEGACY_HEADER]
      ? {
          ok: false,
          reason: `only the legacy SHA-1 X-Hub-Signature was sent; ${SIGNATURE_HEADER} (SHA-256) is required`,
        }
      : { ok: false, reason: `missing the ${SIGNATURE_HEADER} header` };
  }
  const hex = SIGNATURE.exec(value)?.[1];
  if (hex === undefined) {
    return {
      ok: false,
      reason: `malformed ${SIGNATURE_HEADER}: expected sha256= and 64 lower-case hex digits`,
    };
  }
  const expected = createHmac('sha256', secret).update(delivery.rawBody).digest();
  if (!timingSafeEqual(Buffer.from(hex, 'hex'), expected)) {
    return {
      ok: false,
      reason: `${SIGNATURE_HEADER} does not match the body signed with this webhook's secret`,
    };
  }
  return { ok: true };
}

function actionOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || !('action' in payload)) return undefined;
  return typeof payload.action === 'string' && payload.action !== '' ? payload.action : undefined;
}

export const githubWebhookScheme: WebhookScheme = {
  name: 'github',
  signatureHeader: SIGNATURE_HEADER,
  async verify(delivery, secret) {
    return verifyGitHub(delivery, secret);
  },
  describe(delivery, payload) {
    const event = delivery.headers['x-github-event'] || null;
    const action = actionOf(payload);
    return {
      id: delivery.headers['x-github-delivery'] || null,
      type: event !== null && action !== undefined ? `${event}.${action}` : event,
    };
  },
};

/** An event type this scheme described, read back as GitHub's event name and action. */
export function githubEventOf(type: string | null): { name: string; action: string | undefined } | null {
  if (!type) return null;
  const dot = type.indexOf('.');
  return dot < 0
    ? { name: type, action: undefined }
    : { name: type.slice(0, dot), action: type.slice(dot + 1) };
}

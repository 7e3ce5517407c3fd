/**
 * The generic scheme for senders that sign with a plain HMAC of the body: one header holds the HMAC
 * of the raw body, keyed with the webhook's secret as given (the whole `whsec_…` string, as a sender
 * configured with our secret uses it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookDelivery, WebhookScheme, WebhookVerification } from '../../../connectors/sdk.js';

export type HmacAlgorithm = 'sha256' | 'sha1';

/**
 * The header the IETF draft "The Idempotency-Key HTTP Header Field" defines, kept across retries of
 * one request (GitLab's webhooks send it). Other id headers (`X-Webhook-Id`, `X-Request-Id`) follow
 * no common meaning: some name the subscription, some change on every attempt.
 */
const DELIVERY_ID_HEADER = 'idempotency-key';

/** Body fields naming the event's type, in the order they are tried. */
const TYPE_FIELDS = ['type', 'event', 'event_type'] as const;

/** An algorithm label before the digest, as GitHub's `sha256=…`. */
const LABEL = /^(sha\d+)=/i;
const HEX = /^(?:[0-9a-f]{2})+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The HMAC (`algo`) of the raw body in `header`, as hex (either case) or base64, with or without a
 * `sha256=`/`sha1=` label (which must then name `algo`).
 */
export function hmacScheme(header: string, algo: HmacAlgorithm): WebhookScheme {
  return {
    name: 'hmac',
    signatureHeader: header,
    async verify(delivery, secret) {
      return verifyHmac(delivery, secret, header, algo);
    },
    describe(delivery, payload) {
      return { id: delivery.headers[DELIVERY_ID_HEADER] || null, type: eventType(payload) };
    },
  };
}

function verifyHmac(
  delivery: WebhookDelivery,
  secret: string,
  header: string,
  algo: HmacAlgorithm,
): WebhookVerification {
  const value = delivery.headers[header.toLowerCase()];
  if (!value) return { ok: false, reason: `missing the ${header} header` };

  const label = LABEL.exec(value)?.[1]?.toLowerCase();
  if (label !== undefined && label !== algo) {
    return { ok: false, reason: `malformed ${header}: signed with ${label}, this webhook expects ${algo}` };
  }
  const given = decodeDigest(label === undefined ? value : value.slice(label.length + 1));
  if (!given) return { ok: false, reason: `malformed ${header}: not a hex or base64 digest` };

  const expected = createHmac(algo, secret).update(delivery.rawBody).digest();
  // timingSafeEqual throws on unequal lengths; a digest's length is public, so checking it first leaks nothing.
  if (given.length !== expected.length) {
    return {
      ok: false,
      reason: `malformed ${header}: ${given.length} bytes, an HMAC-${algo.toUpperCase()} has ${expected.length}`,
    };
  }
  if (!timingSafeEqual(given, expected)) {
    return { ok: false, reason: `${header} does not match the body signed with this webhook's secret` };
  }
  return { ok: true };
}

/** Hex when it reads as hex (a base64 SHA digest never does: its length is odd or it ends in `=`). */
function decodeDigest(text: string): Buffer | undefined {
  if (HEX.test(text)) return Buffer.from(text, 'hex');
  if (BASE64.test(text)) return Buffer.from(text, 'base64');
  return undefined;
}

function eventType(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const body = payload as Record<string, unknown>;
  for (const field of TYPE_FIELDS) {
    const value = body[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

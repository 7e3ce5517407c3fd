import type { Connector, WebhookScheme } from '../../connectors/sdk.js';
import { InvalidFieldsError } from '../../platform/errors.js';
import { DEFAULT_SIGNATURE_HEADER, GENERIC_SCHEMES, type SignatureAlgo } from './model.js';
import { hmacScheme } from './schemes/hmac.js';
import { standardWebhooksScheme } from './schemes/standard-webhooks.js';

/** The schemes a connection's webhooks may use: the generic ones, and its connector's own. */
export function schemesFor(connector: Connector | undefined): string[] {
  const own = connector?.webhooks?.scheme.name;
  return own ? [own, ...GENERIC_SCHEMES] : [...GENERIC_SCHEMES];
}

/** A new webhook's scheme: the one asked for, else the connector's own, else the generic HMAC. */
export function chooseScheme(connector: Connector | undefined, asked: string | undefined): string {
  const allowed = schemesFor(connector);
  if (asked === undefined) return allowed[0]!;
  if (!allowed.includes(asked)) {
    throw new InvalidFieldsError([{ field: 'scheme', message: `must be one of: ${allowed.join(', ')}` }]);
  }
  return asked;
}

/** The header a scheme's deliveries are signed in: the configured one for HMAC, the scheme's own otherwise. */
export function signatureHeaderOf(
  scheme: string,
  connector: Connector | undefined,
  asked: string | undefined,
) {
  if (scheme === 'hmac') return asked ?? DEFAULT_SIGNATURE_HEADER;
  if (scheme === 'standard-webhooks') return standardWebhooksScheme.signatureHeader;
  return connector?.webhooks?.scheme.signatureHeader ?? DEFAULT_SIGNATURE_HEADER;
}

/** How a stored webhook's deliveries are verified; undefined when its connector left this build. */
export function schemeOf(
  webhook: { scheme: string; signature_header: string; signature_algo: string },
  connector: Connector | undefined,
): WebhookScheme | undefined {
  if (webhook.scheme === 'hmac')
    return hmacScheme(webhook.signature_header, webhook.signature_algo as SignatureAlgo);
  if (webhook.scheme === 'standard-webhooks') return standardWebhooksScheme;
  const own = connector?.webhooks?.scheme;
  return own?.name === webhook.scheme ? own : undefined;
}

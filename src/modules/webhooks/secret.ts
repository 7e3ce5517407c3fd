import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../platform/crypto/secret-box.js';

/**
 * A new webhook secret: `whsec_` and 32 random bytes in base64, the Standard Webhooks form, which
 * every HMAC scheme can use as its key as it is.
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Bound to the org and the webhook: a sealed secret copied to another row does not open. */
const aad = (orgId: string, webhookId: string) => `webhook:${orgId}:${webhookId}`;

export function sealWebhookSecret(box: SecretBox, orgId: string, webhookId: string, secret: string): string {
  return box.encrypt(secret, aad(orgId, webhookId));
}

export function openWebhookSecret(box: SecretBox, orgId: string, webhookId: string, sealed: string): string {
  return box.decrypt(sealed, aad(orgId, webhookId));
}

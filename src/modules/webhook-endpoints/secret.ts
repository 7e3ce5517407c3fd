import type { SecretBox } from '../../platform/crypto/secret-box.js';

/** Bound to the org and the endpoint: a sealed secret copied to another row does not open. */
const aad = (orgId: string, endpointId: string) => `webhook-endpoint:${orgId}:${endpointId}`;

export function sealEndpointSecret(
  box: SecretBox,
  orgId: string,
  endpointId: string,
  secret: string,
): string {
  return box.encrypt(secret, aad(orgId, endpointId));
}

export function openEndpointSecret(
  box: SecretBox,
  orgId: string,
  endpointId: string,
  sealed: string,
): string {
  return box.decrypt(sealed, aad(orgId, endpointId));
}

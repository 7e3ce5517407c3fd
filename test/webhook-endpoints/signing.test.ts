import { createHmac, randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { signatureHeaders } from '../../src/modules/webhook-endpoints/signing.js';
import { newSecret } from './delivery-fixtures.js';

const body = JSON.stringify({ type: 'connection.created', timestamp: '2026-12-01T00:00:00.000Z', data: {} });
const verifiesWith = (secret: string, headers: Record<string, string>) => {
  new StandardWebhook(secret).verify(body, headers);
  new SvixWebhook(secret).verify(body, headers);
};

describe('signing an outbound delivery', () => {
  it('signs byte for byte as the standardwebhooks package does, whatever the secret, id, time and body', () => {
    const bodies = [body, '', 'ünïcödé ✓ 𝄞 — "quoted"\n', randomBytes(3000).toString('base64')];
    const secrets = [
      newSecret(),
      `whsec_${randomBytes(24).toString('base64')}`,
      randomBytes(32).toString('base64'),
    ];
    for (const secret of secrets) {
      for (const payload of bodies) {
        const id = `msg_${randomBytes(8).toString('hex')}`;
        const at = new Date(1_700_000_000_000 + Math.floor(Math.random() * 1e10));
        const headers = signatureHeaders(id, at, payload, { current: secret });
        expect(headers['webhook-signature']).toBe(new StandardWebhook(secret).sign(id, at, payload));
      }
    }
    const [current, previous] = [newSecret(), newSecret()];
    const at = new Date();
    expect(signatureHeaders('msg_3', at, body, { current, previous })['webhook-signature']).toBe(
      `${new StandardWebhook(current).sign('msg_3', at, body)} ${new StandardWebhook(previous).sign('msg_3', at, body)}`,
    );
  });

  it('signs as Standard Webhooks, which the standardwebhooks and svix verifiers accept', () => {
    const secret = newSecret();
    const now = new Date();
    const headers = signatureHeaders('msg_1', now, body, { current: secret });
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => verifiesWith(secret, headers)).not.toThrow();
    expect(() => verifiesWith(newSecret(), headers)).toThrow();
    // A body changed on the way no longer verifies.
    expect(() => new StandardWebhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('adds X-Webhook-Signature: the hex HMAC-SHA256 of the body keyed with the whole secret', () => {
    const secret = newSecret();
    const headers = signatureHeaders('msg_1', new Date(), body, { current: secret });
    const expected = createHmac('sha256', secret).update(body).digest('hex');
    expect(headers['x-webhook-signature']).toBe(`sha256=${expected}`);
  });

  it('during a rotation carries one signature per secret, so a receiver with either verifies', () => {
    const current = newSecret();
    const previous = newSecret();
    const headers = signatureHeaders('msg_2', new Date(), body, { current, previous });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => verifiesWith(current, headers)).not.toThrow();
    expect(() => verifiesWith(previous, headers)).not.toThrow();
    expect(() => verifiesWith(newSecret(), headers)).toThrow();
    // The body HMAC stays with the current secret only.
    expect(headers['x-webhook-signature']).toBe(
      `sha256=${createHmac('sha256', current).update(body).digest('hex')}`,
    );
  });
});

/**
 * The generic webhook signature schemes: a plain HMAC of the body in a configured header, and
 * Standard Webhooks. HMAC signatures are made with node:crypto, Standard Webhooks signatures with the
 * `standardwebhooks` package's own `sign`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../src/connectors/sdk.js';
import { hmacScheme } from '../../src/modules/webhooks/schemes/hmac.js';
import { standardWebhooksScheme } from '../../src/modules/webhooks/schemes/standard-webhooks.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const BODY = Buffer.from(JSON.stringify({ type: 'user.created', data: { id: 'u_1' } }));
// Far from the wall clock: a check against Date.now() instead of the arrival would refuse everything.
const ARRIVAL = new Date('2021-03-04T05:06:07.000Z');

function delivery(headers: Record<string, string>, rawBody = BODY, receivedAt = ARRIVAL): WebhookDelivery {
  return { method: 'POST', headers, rawBody, receivedAt };
}

const hmac = (algo: 'sha256' | 'sha1', key = SECRET, body = BODY) =>
  createHmac(algo, key).update(body).digest();

describe('hmac scheme', () => {
  const scheme = hmacScheme('X-Signature-256', 'sha256');
  const signed = (value: string, body = BODY) => delivery({ 'x-signature-256': value }, body);

  it.each([
    ['lower-case hex', hmac('sha256').toString('hex')],
    ['upper-case hex', hmac('sha256').toString('hex').toUpperCase()],
    ['base64', hmac('sha256').toString('base64')],
    ['sha256= and hex', `sha256=${hmac('sha256').toString('hex')}`],
    ['sha256= and upper-case hex', `sha256=${hmac('sha256').toString('hex').toUpperCase()}`],
    ['sha256= and base64', `sha256=${hmac('sha256').toString('base64')}`],
  ])('accepts the HMAC as %s, reading the configured header in any case', async (_form, value) => {
    expect(await scheme.verify(signed(value), SECRET)).toEqual({ ok: true });
  });

  it('names itself and the header it reads', () => {
    expect(scheme).toMatchObject({ name: 'hmac', signatureHeader: 'X-Signature-256' });
  });

  it('keys the HMAC with the whole whsec_ secret, not its decoded bytes', async () => {
    const decodedKey = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const withDecodedKey = createHmac('sha256', decodedKey).update(BODY).digest('hex');
    expect((await scheme.verify(signed(withDecodedKey), SECRET)).ok).toBe(false);
  });

  it('refuses a delivery without the header', async () => {
    expect(await scheme.verify(delivery({ 'x-hub-signature-256': 'sha256=00' }), SECRET)).toEqual({
      ok: false,
      reason: 'missing the X-Signature-256 header',
    });
  });

  it.each([
    ['neither hex nor base64', 'not a signature!'],
    ['a label with nothing after it', 'sha256='],
    ['an unknown label', `v1=${hmac('sha256').toString('hex')}`],
  ])('refuses a signature that is %s as malformed', async (_what, value) => {
    expect(await scheme.verify(signed(value), SECRET)).toEqual({
      ok: false,
      reason: 'malformed X-Signature-256: not a hex or base64 digest',
    });
  });

  it('refuses a label naming another algorithm, even over a valid digest', async () => {
    expect(await scheme.verify(signed(`sha1=${hmac('sha256').toString('hex')}`), SECRET)).toEqual({
      ok: false,
      reason: 'malformed X-Signature-256: signed with sha1, this webhook expects sha256',
    });
  });

  it.each([
    ['hex one byte short', hmac('sha256').subarray(1).toString('hex'), 31],
    ['odd-length hex (read as base64)', hmac('sha256').toString('hex').slice(1), 47],
    ['base64 of a SHA-1', hmac('sha1').toString('base64'), 20],
    ['hex one byte long', `${hmac('sha256').toString('hex')}00`, 33],
  ])('refuses a digest of the wrong length (%s) without throwing', async (_what, value, bytes) => {
    await expect(scheme.verify(signed(value), SECRET)).resolves.toEqual({
      ok: false,
      reason: `malformed X-Signature-256: ${bytes} bytes, an HMAC-SHA256 has 32`,
    });
  });

  it.each([
    ['a body changed after signing', hmac('sha256').toString('hex'), Buffer.from('{"type":"user.deleted"}')],
    ['another secret', hmac('sha256', 'whsec_other').toString('hex'), BODY],
  ])('refuses a signature over %s as a mismatch', async (_what, value, body) => {
    expect(await scheme.verify(signed(value, body), SECRET)).toEqual({
      ok: false,
      reason: "X-Signature-256 does not match the body signed with this webhook's secret",
    });
  });

  describe('with sha1', () => {
    const sha1 = hmacScheme('X-Hub-Signature', 'sha1');
    const withSha1 = (value: string) => delivery({ 'x-hub-signature': value });

    it.each([
      ['hex', hmac('sha1').toString('hex')],
      ['sha1= and hex', `sha1=${hmac('sha1').toString('hex')}`],
      ['base64', hmac('sha1').toString('base64')],
    ])('accepts the HMAC-SHA1 as %s', async (_form, value) => {
      expect(await sha1.verify(withSha1(value), SECRET)).toEqual({ ok: true });
    });

    it('refuses an HMAC-SHA256, labelled or not', async () => {
      expect(await sha1.verify(withSha1(`sha256=${hmac('sha256').toString('hex')}`), SECRET)).toEqual({
        ok: false,
        reason: 'malformed X-Hub-Signature: signed with sha256, this webhook expects sha1',
      });
      expect(await sha1.verify(withSha1(hmac('sha256').toString('hex')), SECRET)).toEqual({
        ok: false,
        reason: 'malformed X-Hub-Signature: 32 bytes, an HMAC-SHA1 has 20',
      });
    });

    it('refuses a mismatching HMAC-SHA1', async () => {
      const verdict = await sha1.verify(withSha1(hmac('sha1', 'whsec_other').toString('hex')), SECRET);
      expect(verdict).toEqual({
        ok: false,
        reason: "X-Hub-Signature does not match the body signed with this webhook's secret",
      });
    });
  });

  describe('describe', () => {
    it('takes the delivery id from Idempotency-Key, and from no ad-hoc header', () => {
      expect(scheme.describe(delivery({ 'idempotency-key': 'k-1' }), {}).id).toBe('k-1');
      const adHoc = delivery({ 'x-webhook-id': 'hook-1', 'x-request-id': 'req-1' });
      expect(scheme.describe(adHoc, {}).id).toBeNull();
    });

    it.each([
      [{ type: 'a', event: 'b', event_type: 'c' }, 'a'],
      [{ event: 'b', event_type: 'c' }, 'b'],
      [{ event_type: 'c' }, 'c'],
      [{ type: 5, event: { name: 'x' }, event_type: 'c' }, 'c'],
      [{ type: '', event: 'b' }, 'b'],
      [{ kind: 'a' }, null],
      [['type'], null],
      ['type', null],
      [null, null],
    ])('reads the type of %j as %j (type, then event, then event_type)', (payload, type) => {
      expect(scheme.describe(delivery({}), payload).type).toBe(type);
    });
  });
});

describe('standard-webhooks scheme', () => {
  const scheme = standardWebhooksScheme;
  const ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const SENT = Math.floor(ARRIVAL.getTime() / 1000);
  const sign = (secret = SECRET, id = ID, sentAt = SENT, body = BODY) =>
    new Webhook(secret).sign(id, new Date(sentAt * 1000), body);
  const headers = (overrides: Record<string, string> = {}): Record<string, string> => ({
    'webhook-id': ID,
    'webhook-timestamp': String(SENT),
    'webhook-signature': sign(),
    ...overrides,
  });

  it('names itself and the header it reads', () => {
    expect(scheme).toMatchObject({ name: 'standard-webhooks', signatureHeader: 'webhook-signature' });
  });

  it('accepts a delivery signed by the standardwebhooks package, at its arrival time', async () => {
    expect(await scheme.verify(delivery(headers()), SECRET)).toEqual({ ok: true });
  });

  it.each([
    ['at the edge of the tolerance, before arrival', -300],
    ['at the edge of the tolerance, after arrival', 300],
  ])('accepts a timestamp %s', async (_when, offset) => {
    const sentAt = SENT + offset;
    const signed = headers({
      'webhook-timestamp': String(sentAt),
      'webhook-signature': sign(SECRET, ID, sentAt),
    });
    expect(await scheme.verify(delivery(signed), SECRET)).toEqual({ ok: true });
  });

  it('refuses a stale timestamp, measured from the arrival', async () => {
    const sentAt = SENT - 301;
    const signed = headers({
      'webhook-timestamp': String(sentAt),
      'webhook-signature': sign(SECRET, ID, sentAt),
    });
    expect(await scheme.verify(delivery(signed), SECRET)).toEqual({
      ok: false,
      reason: 'webhook-timestamp is 301s before arrival (tolerance 300s)',
    });
  });

  it('refuses a future timestamp, measured from the arrival', async () => {
    const sentAt = SENT + 301;
    const signed = headers({
      'webhook-timestamp': String(sentAt),
      'webhook-signature': sign(SECRET, ID, sentAt),
    });
    expect(await scheme.verify(delivery(signed), SECRET)).toEqual({
      ok: false,
      reason: 'webhook-timestamp is 301s after arrival (tolerance 300s)',
    });
  });

  it('refuses a delivery verified late, though signed at the wall clock', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = headers({ 'webhook-timestamp': String(now), 'webhook-signature': sign(SECRET, ID, now) });
    const verdict = await scheme.verify(delivery(signed, BODY, new Date((now + 600) * 1000)), SECRET);
    expect(verdict).toEqual({
      ok: false,
      reason: 'webhook-timestamp is 600s before arrival (tolerance 300s)',
    });
  });

  it('accepts any matching signature among several (secret rotation)', async () => {
    const previous = `whsec_${randomBytes(24).toString('base64')}`;
    const both = `${sign(previous)} ${sign()}`;
    expect(await scheme.verify(delivery(headers({ 'webhook-signature': both })), SECRET)).toEqual({
      ok: true,
    });
    expect(await scheme.verify(delivery(headers({ 'webhook-signature': both })), previous)).toEqual({
      ok: true,
    });
    const withAsymmetric = `v1a,${randomBytes(64).toString('base64')}  ${sign()}`;
    expect(await scheme.verify(delivery(headers({ 'webhook-signature': withAsymmetric })), SECRET)).toEqual({
      ok: true,
    });
  });

  it.each([
    ['with another secret', () => sign(`whsec_${randomBytes(24).toString('base64')}`)],
    ['over another id', () => sign(SECRET, 'msg_other')],
    ['at another time', () => sign(SECRET, ID, SENT - 1)],
    ['over another body', () => sign(SECRET, ID, SENT, Buffer.from('{}'))],
    ['with a mangled encoding', () => sign().replace('v1,', 'v1, ')],
  ])('refuses a signature made %s', async (_how, signature) => {
    expect(await scheme.verify(delivery(headers({ 'webhook-signature': signature() })), SECRET)).toEqual({
      ok: false,
      reason: "no webhook-signature matches the body signed with this webhook's secret",
    });
  });

  it('refuses a header holding no v1 signature', async () => {
    const asymmetricOnly = `v1a,${randomBytes(64).toString('base64')}`;
    expect(await scheme.verify(delivery(headers({ 'webhook-signature': asymmetricOnly })), SECRET)).toEqual({
      ok: false,
      reason: 'malformed webhook-signature: no v1 signature',
    });
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s',
    async (name) => {
      const { [name]: _dropped, ...rest } = headers();
      expect(await scheme.verify(delivery(rest), SECRET)).toEqual({
        ok: false,
        reason: `missing the ${name} header`,
      });
    },
  );

  it.each(['soon', '1614834367.5', '-1614834367', '01614834367', '1e9'])(
    'refuses the timestamp %j as malformed',
    async (timestamp) => {
      expect(await scheme.verify(delivery(headers({ 'webhook-timestamp': timestamp })), SECRET)).toEqual({
        ok: false,
        reason: 'malformed webhook-timestamp: not Unix seconds',
      });
    },
  );

  it.each(['whsec_', 'whsec_not base64!'])(
    'refuses, without throwing, when the secret is %j',
    async (secret) => {
      await expect(scheme.verify(delivery(headers()), secret)).resolves.toEqual({
        ok: false,
        reason: "the webhook's secret is not a Standard Webhooks secret",
      });
    },
  );

  it('describes a delivery by its webhook-id and its body type', () => {
    expect(scheme.describe(delivery(headers()), { type: 'invoice.paid', data: {} })).toEqual({
      id: ID,
      type: 'invoice.paid',
    });
    expect(scheme.describe(delivery({}), { event: 'invoice.paid' })).toEqual({ id: null, type: null });
    expect(scheme.describe(delivery({}), 'invoice.paid')).toEqual({ id: null, type: null });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactUrl } from '../../src/platform/logging/logger.js';
import { type TestApp, testApp } from '../helpers/app.js';

describe('log redaction', () => {
  it('masks secret-looking fields at any depth and leaves the rest', () => {
    const input = {
      user: 'alice',
      password: 'p4ss',
      config: { domain: 'acme.okta.com', api_token: 't0k', nested: [{ client_secret: 's', keep: 1 }] },
      headers: { Authorization: 'Bearer x', cookie: 'sid=1', accept: 'json' },
      webhookSignature: 'v1,abc',
    };
    expect(redactSecrets(input)).toEqual({
      user: 'alice',
      password: REDACTED,
      config: {
        domain: 'acme.okta.com',
        api_token: REDACTED,
        nested: [{ client_secret: REDACTED, keep: 1 }],
      },
      headers: { Authorization: REDACTED, cookie: REDACTED, accept: 'json' },
      webhookSignature: REDACTED,
    });
  });

  it('masks secret query parameters in URLs', () => {
    expect(redactUrl('/cb?code=abc&state=xyz&ok=1')).toBe(
      `/cb?code=${encodeURIComponent(REDACTED)}&state=${encodeURIComponent(REDACTED)}&ok=1`,
    );
    expect(redactUrl('/x?access_token=abc')).not.toContain('abc');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });
});

describe('request logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => t.close());

  it('writes one JSON line per request with its request id, and never the credentials', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/api/v1/nothing?api_key=sk_live_secret123&page=2',
      headers: {
        authorization: 'Bearer eyJsecret.jwt.value',
        cookie: 'session=cookie-secret',
        'x-request-id': 'req-42',
      },
    });
    const lines = t.logs.lines.filter((l) => l.request_id === 'req-42');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'GET',
      status_code: 404,
    });
    expect(lines[0]!.url).toContain('page=2');
    const all = t.logs.text();
    expect(all).not.toContain('sk_live_secret123');
    expect(all).not.toContain('eyJsecret');
    expect(all).not.toContain('cookie-secret');
  });

  it('redacts secret fields passed to the logger', () => {
    t.ctx.logger.info({ connection: { api_token: 'tok-very-secret', name: 'okta' } }, 'connection updated');
    expect(t.logs.text()).not.toContain('tok-very-secret');
    expect(t.logs.lines.at(-1)).toMatchObject({ connection: { api_token: REDACTED, name: 'okta' } });
  });

  it('keeps probes out of info-level logs', async () => {
    const before = t.logs.lines.length;
    await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(t.logs.lines.length).toBe(before);
  });
});

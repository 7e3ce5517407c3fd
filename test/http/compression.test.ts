/** Answers compressed when the client asks for it (Accept-Encoding), plain otherwise; tiny ones never. */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';

describe('response compression', () => {
  let t: TestApp;
  let plain: string;
  beforeAll(async () => {
    t = await testApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    plain = res.body;
  });
  afterAll(() => t.close());

  const openApi = (acceptEncoding?: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/openapi.json',
      headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
    });

  it('compresses a large JSON answer with brotli or gzip, as the client prefers', async () => {
    expect(plain.length).toBeGreaterThan(100_000);
    expect(JSON.parse(plain).openapi).toMatch(/^3\./);

    const br = await openApi('gzip, deflate, br, zstd');
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(plain.length / 5);
    expect(zlib.brotliDecompressSync(br.rawPayload).toString()).toBe(plain);
    // The security headers are those of any other answer.
    expect(br.headers['x-content-type-options']).toBe('nosniff');
    expect(br.headers['content-type']).toMatch(/^application\/json/);

    const gzip = await openApi('gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzip.rawPayload).toString()).toBe(plain);
  });

  it('answers plain when the client does not ask, or asks for identity only', async () => {
    for (const encoding of [undefined, 'identity']) {
      const res = await openApi(encoding);
      expect(res.statusCode, encoding).toBe(200);
      expect(res.headers['content-encoding'], encoding).toBeUndefined();
      expect(res.body, encoding).toBe(plain);
    }
  });

  it('leaves tiny answers uncompressed', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toBeTruthy();
  });
});

import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client library would send these) and reads the whole answer. */
function sendRaw(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(request);
  });
}

/** What every response carries, whoever refused the request. */
function expectOurs(res: RawResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  const requestId = res.headers['x-request-id'];
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['strict-transport-security']).toContain('max-age=31536000');
  expect(res.headers['permissions-policy']).toBe('geolocation=(), microphone=(), camera=()');
  const { error } = JSON.parse(res.body);
  expect(error).toEqual({ code, message: expect.any(String), request_id: requestId });
}

describe('requests refused before the app answer with the envelope and headers', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await testApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  const inject = async (method: string, url: string): Promise<RawResponse> => {
    const res = await t.app.inject({ method: method as 'GET', url });
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.body };
  };

  describe('refused by the router', () => {
    it('a URL that does not percent-decode is a 400 INVALID_URL', async () => {
      expectOurs(await inject('GET', '/api/v1/teams/%FF'), 400, 'INVALID_URL');
    });

    it('a path parameter over the length limit is a 414 URI_TOO_LONG', async () => {
      expectOurs(await inject('GET', `/api/v1/teams/${'a'.repeat(101)}`), 414, 'URI_TOO_LONG');
    });

    it('keeps a sane caller request id', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/teams/%FF',
        headers: { 'x-request-id': 'caller-chosen-id' },
      });
      expect(res.headers['x-request-id']).toBe('caller-chosen-id');
      expect(res.json().error.request_id).toBe('caller-chosen-id');
    });

    it('a method no route serves is a 404 NOT_FOUND', async () => {
      const res = await inject('PROPFIND', '/api/v1/teams');
      expect(res.status).toBe(404);
      expect(res.headers['x-request-id']).toBeDefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(res.body).error.code).toBe('NOT_FOUND');
    });
  });

  describe("refused by Node's HTTP parser", () => {
    it('headers over the size limit are a 431 HEADERS_TOO_LARGE', async () => {
      const res = await sendRaw(
        port,
        `GET /api/v1/teams HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expectOurs(res, 431, 'HEADERS_TOO_LARGE');
    });

    it('a method Node does not know is a 404 NOT_FOUND', async () => {
      const res = await sendRaw(port, 'FROBNICATE /api/v1/teams HTTP/1.1\r\nHost: localhost\r\n\r\n');
      expectOurs(res, 404, 'NOT_FOUND');
    });

    it('a malformed request is a 400 BAD_REQUEST', async () => {
      const res = await sendRaw(
        port,
        'GET /api/v1/teams HTTP/1.1\r\nHost: localhost\r\nNot a header\r\n\r\n',
      );
      expectOurs(res, 400, 'BAD_REQUEST');
    });

    it('logs the refusal under the request id it answered with, without the request bytes', async () => {
      const res = await sendRaw(
        port,
        'GET /api/v1/teams HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer raw-secret-77\r\nBad header\r\n\r\n',
      );
      const line = t.logs.lines.find((l) => l.request_id === res.headers['x-request-id']);
      expect(line).toMatchObject({ status_code: 400, msg: 'request refused by the HTTP parser' });
      expect(t.logs.text()).not.toContain('raw-secret-77');
    });
  });
});

import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFetch } from '../../src/platform/outbound/provider-fetch.js';

const BODY = JSON.stringify({ data: Array.from({ length: 50 }, (_, i) => ({ id: `item-${i}` })) });

describe('providerFetch', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/sized') {
        res.end(BODY);
        return;
      }
      // No Content-Length: sent in chunks, as streaming APIs do.
      res.write(BODY.slice(0, 100));
      res.end(BODY.slice(100));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['its Content-Length', '/sized'],
    ['the chunks read, when it has no Content-Length', '/chunked'],
  ])('reports a body’s size from %s, and the connector reads the body whole', async (_how, path) => {
    let bytes = 0;
    const fetchFromProvider = providerFetch(
      { base_url: baseUrl },
      { signal: new AbortController().signal, onBytes: (n) => (bytes += n) },
    );
    const response = await fetchFromProvider(path);
    expect(response.headers.get('content-length') === null).toBe(path === '/chunked');
    expect(await response.text()).toBe(BODY);
    expect(bytes).toBe(Buffer.byteLength(BODY));
  });

  it('leaves no listener per request on the operation’s signal', async () => {
    const operation = new AbortController();
    const fetchFromProvider = providerFetch({ base_url: baseUrl }, { signal: operation.signal });
    for (let i = 0; i < 30; i++) {
      const response = await fetchFromProvider('/sized', { signal: operation.signal });
      await response.text();
    }
    expect(getEventListeners(operation.signal, 'abort').length).toBeLessThan(5);
  });

  it('refuses a path that leaves the provider’s origin', async () => {
    const fetchFromProvider = providerFetch({ base_url: baseUrl }, { signal: new AbortController().signal });
    await expect(fetchFromProvider('http://example.com/x')).rejects.toThrow(/not the provider's base URL/);
  });
});

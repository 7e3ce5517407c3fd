import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ProviderFetchOptions,
  ProviderUnreachableError,
  providerFetch,
} from '../../src/platform/outbound/provider-fetch.js';
import { realPacing } from '../../src/platform/outbound/rate-limit.js';

const BODY = JSON.stringify({ data: Array.from({ length: 50 }, (_, i) => ({ id: `item-${i}` })) });

/** A client of the provider at `base`, with the operation's signal. */
function fetchOf(base: string, options: Partial<ProviderFetchOptions> = {}) {
  return providerFetch({
    baseUrl: new URL(base),
    signal: new AbortController().signal,
    pacing: realPacing(60_000),
    ...options,
  });
}

describe('providerFetch', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://example.com/elsewhere' }).end();
        return;
      }
      if (req.url === '/slow') return; // never answers
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
    const fetchFromProvider = fetchOf(baseUrl, { onBytes: (n) => (bytes += n) });
    const response = await fetchFromProvider(path);
    expect(response.headers.get('content-length') === null).toBe(path === '/chunked');
    expect(await response.text()).toBe(BODY);
    expect(bytes).toBe(Buffer.byteLength(BODY));
  });

  it('leaves no listener per request on the operation’s signal', async () => {
    const operation = new AbortController();
    const fetchFromProvider = fetchOf(baseUrl, { signal: operation.signal });
    for (let i = 0; i < 30; i++) {
      const response = await fetchFromProvider('/sized', { signal: operation.signal });
      await response.text();
    }
    expect(getEventListeners(operation.signal, 'abort').length).toBeLessThan(5);
  });

  it('answers a redirect instead of following it (it could lead to another origin)', async () => {
    const fetchFromProvider = fetchOf(baseUrl);
    const response = await fetchFromProvider('/redirect');
    expect(response.status).toBe(302);
    expect(response.ok).toBe(false);
    expect(response.headers.get('location')).toBe('http://example.com/elsewhere');
    await response.discard();
  });

  it('reports a provider it cannot reach as unreachable, and a cancelled request with its reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = fetchOf(`http://127.0.0.1:${port}/`);
    await expect(unreachable('/x')).rejects.toBeInstanceOf(ProviderUnreachableError);

    const operation = new AbortController();
    const slow = fetchOf(baseUrl, { signal: operation.signal })('/slow');
    const reason = new Error('run cancelled');
    setImmediate(() => operation.abort(reason));
    await expect(slow).rejects.toBe(reason);
  });

  it('refuses a path that leaves the provider’s origin', async () => {
    const fetchFromProvider = fetchOf(baseUrl);
    await expect(fetchFromProvider('http://example.com/x')).rejects.toThrow(/not the provider's base URL/);
  });

  it('calls the other hosts the provider declares, over https only', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://config.eu-west-1.amazonaws.com')
      .intercept({ path: '/', method: 'POST' })
      .reply(200, { ConfigRules: [] });
    const fetchFromProvider = fetchOf('https://config.us-east-1.amazonaws.com/', {
      dispatcher: agent,
      otherHosts: (host) => /^config\.[a-z0-9-]+\.amazonaws\.com$/.test(host),
    });
    const response = await fetchFromProvider('https://config.eu-west-1.amazonaws.com/', { method: 'POST' });
    expect(await response.json()).toEqual({ ConfigRules: [] });
    await expect(fetchFromProvider('http://config.eu-west-1.amazonaws.com/')).rejects.toThrow(
      /not the provider's base URL/,
    );
    await expect(fetchFromProvider('https://sts.amazonaws.com/')).rejects.toThrow(
      /not the provider's base URL/,
    );
    await agent.close();
  });
});

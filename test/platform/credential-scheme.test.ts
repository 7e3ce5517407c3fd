/**
 * Credential schemes beyond a fixed header: a scheme chosen by the connection's config, and an API
 * key in a query parameter that the engine adds to each request as sent and strips from the URLs
 * answers give back, so no connector, cursor, log line or error message holds it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, ConnectorDefinition } from '../../src/connectors/sdk.js';
import { testContext } from '../../src/connectors/toolkit/test-kit.js';
import {
  type CredentialScheme,
  configCredential,
  credentialSchemeOf,
  withoutQueryParam,
  withQueryCredential,
} from '../../src/platform/outbound/credential-scheme.js';
import {
  type ProviderAuth,
  ProviderUnreachableError,
  providerFetch,
} from '../../src/platform/outbound/provider-fetch.js';
import { realPacing } from '../../src/platform/outbound/rate-limit.js';

const KEY = 'k3y-s3cr3t';
const QUERY: CredentialScheme = { kind: 'query', param: 'api_key', field: 'key' };

/** A provider that echoes the request's own URL back in Link and Location, as many build them. */
let server: Server;
let origin: string;
const received: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    const self = `${origin}${req.url}`;
    res
      .writeHead(200, {
        'content-type': 'application/json',
        link: `<${self}&page=2>; rel="next", <items?api_key=${KEY}#top>; rel="last"`,
        location: self,
        'x-request-url': self,
      })
      .end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

function fetchWith(auth: ProviderAuth | undefined, base = `${origin}/api/`) {
  return providerFetch({
    baseUrl: new URL(base),
    signal: new AbortController().signal,
    pacing: realPacing(60_000),
    ...(auth ? { auth } : {}),
  });
}

describe('a credential in a query parameter', () => {
  it('is added to every request as sent, the connector’s own parameters kept byte for byte', async () => {
    const fetch = fetchWith(configCredential(QUERY, { key: KEY }));
    await (await fetch('/items?filter=a%20b+c&sort=name')).discard();
    // A resume point that somehow still holds a key gets the connection's, once.
    await (await fetch(`/items?api_key=stale&page=3`)).discard();
    expect(received.map((r) => r.url)).toEqual([
      `/api/items?filter=a%20b+c&sort=name&api_key=${KEY}`,
      `/api/items?page=3&api_key=${KEY}`,
    ]);
    expect(received[0]!.headers.authorization).toBeUndefined();
  });

  it('is stripped from the URLs answers name (Link, Location), other headers as they came', async () => {
    const fetch = fetchWith(configCredential(QUERY, { key: KEY }));
    const response = await fetch('/items?per_page=10');
    await response.discard();
    const link = response.headers.get('link');
    expect(link).toBe(`<${origin}/api/items?per_page=10&page=2>; rel="next", <items#top>; rel="last"`);
    expect(response.headers.get('location')).toBe(`${origin}/api/items?per_page=10`);
    expect(response.headers.all().link).toBe(link);
    expect(response.headers.get('x-request-url')).toContain(KEY);
  });

  it('leaves answers alone for a connection without one', async () => {
    const response = await fetchWith(
      configCredential({ kind: 'header', header: 'x-api-key', field: 'key' }, { key: KEY }),
    )(`/items?api_key=${KEY}`);
    await response.discard();
    expect(response.headers.get('location')).toBe(`${origin}/api/items?api_key=${KEY}`);
  });

  it('is not in the error of a provider it cannot reach', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const fetch = fetchWith(configCredential(QUERY, { key: KEY }), `http://127.0.0.1:${port}/`);
    const error: unknown = await fetch('/items?page=1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(String((error as Error).message)).not.toContain(KEY);
  });

  it('removes only the pairs so named, from absolute and relative references', () => {
    expect(withoutQueryParam(`https://h/p?a=1&api_key=${KEY}&b=%20+x#f`, 'api_key')).toBe(
      'https://h/p?a=1&b=%20+x#f',
    );
    expect(withoutQueryParam(`p?api%5Fkey=${KEY}`, 'api_key')).toBe('p');
    expect(withoutQueryParam('p?api_keys=1&xapi_key=2', 'api_key')).toBe('p?api_keys=1&xapi_key=2');
    expect(withoutQueryParam('p#api_key=1', 'api_key')).toBe('p#api_key=1');
    expect(withQueryCredential(new URL('https://h/p?x=%7E'), { param: 'key name', value: 'a&b' }).href).toBe(
      'https://h/p?x=%7E&key%20name=a%26b',
    );
  });
});

describe('a scheme chosen by the config', () => {
  const byConfig = (config: Record<string, unknown>): CredentialScheme =>
    config.auth === 'token'
      ? { kind: 'header', header: 'authorization', prefix: 'Bearer ', field: 'secret' }
      : { kind: 'query', param: 'key', field: 'secret' };

  it('resolves a fixed scheme, a function of the config, or none', () => {
    const fixed: CredentialScheme = { kind: 'basic', usernameField: 'u', passwordField: 'p' };
    expect(credentialSchemeOf(fixed, {})).toBe(fixed);
    expect(credentialSchemeOf(byConfig, { auth: 'token' })).toMatchObject({ kind: 'header' });
    expect(credentialSchemeOf(byConfig, { auth: 'key' })).toMatchObject({ kind: 'query' });
    expect(credentialSchemeOf(undefined, {})).toEqual({ kind: 'none' });
  });

  it('is what a connector’s context sends, per connection', async () => {
    const definition: ConnectorDefinition = {
      slug: 'chooser',
      name: 'Chooser',
      provider: 'chooser',
      category: 'custom',
      shortDescription: 'x',
      description: 'x',
      iconUrl: '/icon.svg',
      authType: 'custom',
      configSchema: { type: 'object', properties: {} },
      capabilities: ['sync_resources'],
      entities: [],
      version: '1.0.0',
      tags: [],
      api: { baseUrl: () => undefined, credential: byConfig },
    };
    const connector: Connector = {
      definition,
      test: async () => ({ ok: true, message: 'ok', details: {} }),
    };
    const token = testContext(connector, { base_url: origin, auth: 'token', secret: 's1' });
    await (await token.ctx.fetch('/a')).discard();
    const key = testContext(connector, { base_url: origin, auth: 'key', secret: 's2' });
    await (await key.ctx.fetch('/a?x=1')).discard();
    expect(token.requests[0]).toMatchObject({ path: '/a', headers: { authorization: 'Bearer s1' } });
    expect(key.requests[0]!.path).toBe('/a?x=1&key=s2');
    expect(key.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('HTTP Basic', () => {
  it('takes an empty password (a key given as the user name)', async () => {
    const fetch = fetchWith(
      configCredential(
        { kind: 'basic', usernameField: 'user', passwordField: 'password' },
        { user: 'sk_live' },
      ),
    );
    await (await fetch('/b')).discard();
    expect(received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('sk_live:').toString('base64')}`);
  });
});

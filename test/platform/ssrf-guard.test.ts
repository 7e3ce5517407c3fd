import type { LookupAddress, LookupOptions } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTarget,
  ForbiddenTargetError,
  forbiddenRangeOf,
  forbiddenTargetOf,
  guardedDispatcher,
  guardedLookup,
  isForbiddenAddress,
  type Resolver,
} from '../../src/platform/outbound/ssrf-guard.js';

/** A resolver answering from a table, recording the names it was asked: no DNS traffic. */
function fakeResolver(table: Record<string, readonly LookupAddress[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return Object.assign(resolve, { asked });
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('forbidden addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['240.0.0.1', 'reserved'],
  ])('IPv4 %s is %s', (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each([
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['3fff::1', 'reserved'], // documentation, RFC 9637
    ['5f00::1', 'reserved'], // segment routing
    ['64:ff9b:1::1', 'reserved'], // local-use NAT64
    ['4000::1', 'reserved'], // outside 2000::/3, unallocated
  ])('IPv6 %s is %s', (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a00:5', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:0:7f00:1', 'loopback'], // SIIT (RFC 6145)
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
    ['::7f00:1', 'loopback'],
    ['::a00:5', 'private'],
    ['64:ff9b::7f00:1', 'loopback'], // NAT64
    ['64:ff9b::10.0.0.5', 'private'],
    ['2002:7f00:1::', 'loopback'], // 6to4
    ['2002:a9fe:a9fe::1', 'link-local'],
  ])('an IPv6 form carrying an IPv4 address, %s, is judged by it: %s', (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
  });

  it.each(['0x7f.1', '2130706433', '127.1', '0177.0.0.1', '0x7f000001', '017700000001', '0'])(
    'the shorthand literal %s, which the system resolver reads as a loopback or unspecified address, is refused',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(true);
    },
  );

  it.each(['example.com', '', '[::1]', '127.0.0.1.', '08.0.0.1'])(
    'what is not an address (%j) is refused as unrecognised',
    (address) => {
      expect(forbiddenRangeOf(address)).toBe('unrecognised');
    },
  );

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '::808:808',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('the public address %s is allowed', (address) => {
    expect(forbiddenRangeOf(address)).toBeUndefined();
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('ForbiddenTargetError', () => {
  it('names the host, the address and its range, and how an operator allows it', () => {
    const resolved = new ForbiddenTargetError('crm.internal', '10.0.0.5', 'private');
    expect(resolved).toMatchObject({ host: 'crm.internal', address: '10.0.0.5', range: 'private' });
    expect(resolved.message).toBe(
      'crm.internal resolves to 10.0.0.5, a private address; Switchboard refuses private, loopback, link-local and other non-public targets unless SWITCHBOARD_ALLOW_PRIVATE_NETWORKS=true',
    );
    expect(new ForbiddenTargetError('0.0.0.0', '0.0.0.0', 'unspecified').message).toMatch(
      /^0\.0\.0\.0 is an unspecified address; Switchboard refuses/,
    );
  });

  it('is found behind the causes and aggregates an HTTP client wraps it in', () => {
    const refused = new ForbiddenTargetError('localhost', '127.0.0.1', 'loopback');
    expect(forbiddenTargetOf(refused)).toBe(refused);
    expect(forbiddenTargetOf(new TypeError('fetch failed', { cause: refused }))).toBe(refused);
    const nested = new Error('outer', { cause: new AggregateError([new Error('other'), refused]) });
    expect(forbiddenTargetOf(nested)).toBe(refused);
    expect(forbiddenTargetOf(new Error('unreachable', { cause: new Error('ECONNREFUSED') }))).toBeUndefined();
    expect(forbiddenTargetOf('not an error')).toBeUndefined();
  });
});

describe('guardedLookup', () => {
  type LookupResult = {
    error: NodeJS.ErrnoException | null;
    address: string | LookupAddress[];
    family?: number;
  };
  const lookup = (resolve: Resolver, hostname: string, options: LookupOptions) =>
    new Promise<LookupResult>((done) =>
      guardedLookup(resolve)(hostname, options, (error, address, family) => done({ error, address, family })),
    );

  it('hands the socket the addresses it checked, resolving once', async () => {
    const resolve = fakeResolver({ 'api.example.com': [v4('93.184.215.14'), v6('2606:4700::1111')] });
    expect(await lookup(resolve, 'api.example.com', { all: true })).toEqual({
      error: null,
      address: [v4('93.184.215.14'), v6('2606:4700::1111')],
      family: undefined,
    });
    expect(await lookup(resolve, 'api.example.com', {})).toEqual({
      error: null,
      address: '93.184.215.14',
      family: 4,
    });
    expect(await lookup(resolve, 'api.example.com', { family: 6 })).toEqual({
      error: null,
      address: '2606:4700::1111',
      family: 6,
    });
    expect(resolve.asked).toEqual(['api.example.com', 'api.example.com', 'api.example.com']);
  });

  it('refuses a host if any of its addresses is forbidden, whichever the socket would pick', async () => {
    const resolve = fakeResolver({ 'mixed.example.com': [v4('93.184.215.14'), v4('10.0.0.5')] });
    const { error } = await lookup(resolve, 'mixed.example.com', { family: 4 });
    expect(error).toBeInstanceOf(ForbiddenTargetError);
    expect(error).toMatchObject({ host: 'mixed.example.com', address: '10.0.0.5', range: 'private' });
  });

  it('passes on a resolver failure, and answers ENOTFOUND when no address has the family asked', async () => {
    const resolve = fakeResolver({ 'v6only.example.com': [v6('2606:4700::1111')] });
    expect((await lookup(resolve, 'nowhere.example.com', {})).error).toMatchObject({ code: 'ENOTFOUND' });
    expect((await lookup(resolve, 'v6only.example.com', { family: 4 })).error).toMatchObject({
      code: 'ENOTFOUND',
    });
  });
});

describe('guardedDispatcher', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('inside'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    connections = 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a loopback literal before connecting: the caller of request gets the ForbiddenTargetError itself', async () => {
    // A literal skips net.connect's lookup, so this fails unless the connector checks it.
    const resolve = fakeResolver({});
    const dispatcher = guardedDispatcher({ allowPrivateNetworks: false, resolve });
    const error = await rejectionOf(request(`http://127.0.0.1:${port}/`, { dispatcher }));
    expect(error).toBeInstanceOf(ForbiddenTargetError);
    expect(error).toMatchObject({ host: '127.0.0.1', address: '127.0.0.1', range: 'loopback' });
    expect(resolve.asked).toEqual([]);
    expect(connections).toBe(0);
  });

  it.each([
    ['an IPv6 loopback literal', 'http://[::1]:{port}/'],
    ['an IPv4-mapped literal', 'http://[::ffff:127.0.0.1]:{port}/'],
    ['a literal over https', 'https://127.0.0.1:{port}/'],
  ])('refuses %s', async (_what, template) => {
    const dispatcher = guardedDispatcher({ allowPrivateNetworks: false });
    const error = await rejectionOf(request(template.replace('{port}', String(port)), { dispatcher }));
    expect(forbiddenTargetOf(error)?.range).toBe('loopback');
    expect(connections).toBe(0);
  });

  it('refuses localhost, which the system resolver turns into a loopback address', async () => {
    const dispatcher = guardedDispatcher({ allowPrivateNetworks: false });
    const error = await rejectionOf(request(`http://localhost:${port}/`, { dispatcher }));
    expect(forbiddenTargetOf(error)).toMatchObject({ host: 'localhost', range: 'loopback' });
    expect((error as Error).message).toContain('localhost resolves to');
    expect(connections).toBe(0);
  });

  it('refuses a provider name the resolver maps to a private address', async () => {
    const resolve = fakeResolver({ 'crm.tenant.example': [v4('127.0.0.1')] });
    const dispatcher = guardedDispatcher({ allowPrivateNetworks: false, resolve });
    const error = await rejectionOf(request(`http://crm.tenant.example:${port}/`, { dispatcher }));
    expect(forbiddenTargetOf(error)).toMatchObject({ host: 'crm.tenant.example', address: '127.0.0.1' });
    expect(resolve.asked).toEqual(['crm.tenant.example']);
    expect(connections).toBe(0);
  });

  it('connects anywhere when private networks are allowed', async () => {
    const dispatcher = guardedDispatcher({ allowPrivateNetworks: true });
    for (const host of ['127.0.0.1', 'localhost']) {
      const response = await request(`http://${host}:${port}/`, { dispatcher });
      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe('inside');
    }
    expect(connections).toBeGreaterThan(0);
  });
});

describe('checkTarget', () => {
  const refuse = { allowPrivateNetworks: false };

  it.each([
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'loopback'],
    ['http://0x7f.1/', '127.0.0.1', 'loopback'],
    ['http://2130706433:8080/', '127.0.0.1', 'loopback'],
    ['https://10.1.2.3/api', '10.1.2.3', 'private'],
  ])('refuses the literal %s', async (url, address, range) => {
    const resolve = fakeResolver({});
    const error = await rejectionOf(checkTarget(new URL(url), { ...refuse, resolve }));
    expect(error).toBeInstanceOf(ForbiddenTargetError);
    expect(error).toMatchObject({ address, range });
    expect(resolve.asked).toEqual([]);
  });

  it('refuses localhost through the system resolver', async () => {
    const error = await rejectionOf(checkTarget(new URL('http://localhost:1234'), refuse));
    expect(error).toMatchObject({ host: 'localhost', range: 'loopback' });
  });

  it('refuses a name with any forbidden address, and passes a public one', async () => {
    const resolve = fakeResolver({
      'okta.tenant.example': [v4('93.184.215.14'), v6('fd00::5')],
      'api.example.com': [v4('93.184.215.14'), v6('2606:4700::1111')],
    });
    const error = await rejectionOf(
      checkTarget(new URL('https://okta.tenant.example/'), { ...refuse, resolve }),
    );
    expect(error).toMatchObject({ host: 'okta.tenant.example', address: 'fd00::5', range: 'unique-local' });
    await expect(checkTarget(new URL('https://api.example.com/v1'), { ...refuse, resolve })).resolves.toBe(
      undefined,
    );
    expect(resolve.asked).toEqual(['okta.tenant.example', 'api.example.com']);
  });

  it('lets a name that does not resolve pass, and surfaces a resolver bug', async () => {
    const resolve = fakeResolver({});
    await expect(checkTarget(new URL('https://typo.example/'), { ...refuse, resolve })).resolves.toBe(
      undefined,
    );
    expect(resolve.asked).toEqual(['typo.example']);
    const broken: Resolver = async () => {
      throw new RangeError('resolver bug');
    };
    await expect(
      checkTarget(new URL('https://any.example/'), { ...refuse, resolve: broken }),
    ).rejects.toThrow('resolver bug');
  });

  it('checks nothing when private networks are allowed', async () => {
    const resolve = fakeResolver({});
    const allow = { allowPrivateNetworks: true, resolve };
    await expect(checkTarget(new URL('http://169.254.169.254/'), allow)).resolves.toBe(undefined);
    await expect(checkTarget(new URL('http://localhost:1234'), allow)).resolves.toBe(undefined);
    expect(resolve.asked).toEqual([]);
  });
});

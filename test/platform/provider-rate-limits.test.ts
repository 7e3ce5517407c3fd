import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configCredential } from '../../src/platform/outbound/credential-scheme.js';
import { providerFetch, providerWebFetch } from '../../src/platform/outbound/provider-fetch.js';
import {
  type Pacing,
  ProviderRateLimitedError,
  rateLimitNotice,
} from '../../src/platform/outbound/rate-limit.js';

type Answer = { status: number; headers?: Record<string, string>; body?: string };

/** A provider that answers from a script, then 200; records what it received. */
function scriptedProvider() {
  const script: Answer[] = [];
  const received: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    received.push(req);
    const answer = script.shift() ?? { status: 200, body: '{"ok":true}' };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body ?? '{}');
  });
  return { server, script, received };
}

/** Pacing on a fake clock: each wait is recorded and moves the clock. */
function fakePacing(maxWaitMs: number) {
  const waits: number[] = [];
  let now = Date.UTC(2026, 0, 1);
  const pacing: Pacing = {
    maxWaitMs,
    now: () => now,
    waitUntil: async (at) => {
      waits.push(at - now);
      now = Math.max(now, at);
    },
  };
  return { pacing, waits, at: () => now };
}

describe('the provider client and rate limits', () => {
  const provider = scriptedProvider();
  let base: URL;
  beforeAll(async () => {
    await new Promise<void>((resolve) => provider.server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(provider.server.address() as AddressInfo).port}/api/`);
  });
  afterAll(() => new Promise<void>((resolve) => provider.server.close(() => resolve())));
  beforeEach(() => {
    provider.script.length = 0;
    provider.received.length = 0;
  });

  const client = (pacing: Pacing) =>
    providerFetch({ baseUrl: base, signal: new AbortController().signal, pacing });

  it('waits out a 429 for its Retry-After and sends the request again', async () => {
    const { pacing, waits } = fakePacing(60_000);
    provider.script.push({ status: 429, headers: { 'retry-after': '7' }, body: '{"error":"slow down"}' });
    const response = await client(pacing)('/items');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(waits).toEqual([7_000]);
    expect(provider.received.map((r) => r.url)).toEqual(['/api/items', '/api/items']);
  });

  it("reads GitHub's secondary limit (403 with Retry-After) and primary limit (403, none remaining) as rate limits", async () => {
    const { pacing, waits, at } = fakePacing(120_000);
    const reset = Math.floor(at() / 1000) + 30;
    provider.script.push(
      { status: 403, headers: { 'retry-after': '60' }, body: '{"message":"secondary rate limit"}' },
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } },
    );
    const response = await client(pacing)('/repos');
    expect(response.status).toBe(200);
    expect(waits[0]).toBe(60_000);
    // The second wait lasts until the announced reset, measured on the clock after the first wait.
    expect(waits).toHaveLength(2);
    expect(provider.received).toHaveLength(3);
  });

  it('returns a 403 that is a refusal, not a rate limit, as it came', async () => {
    const { pacing, waits } = fakePacing(60_000);
    provider.script.push({ status: 403, body: '{"message":"Must have admin rights"}' });
    const response = await client(pacing)('/admin');
    expect(response.status).toBe(403);
    expect(waits).toEqual([]);
    await response.discard();
  });

  it('throws a rate limit whose wait is over the budget, with when to retry, without waiting', async () => {
    const { pacing, waits } = fakePacing(5_000);
    provider.script.push({ status: 429, headers: { 'retry-after': '3600' } });
    const error = await client(pacing)('/items').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(3_600_000);
    expect((error as ProviderRateLimitedError).httpStatus).toBe(429);
    expect(waits).toEqual([]);
  });

  it("paces an announced budget: after Okta's X-Rate-Limit-Remaining 0 the next request waits for the reset, and no 429 is provoked", async () => {
    const { pacing, waits, at } = fakePacing(60_000);
    const resetSeconds = Math.floor(at() / 1000) + 20;
    provider.script.push({
      status: 200,
      headers: {
        'x-rate-limit-limit': '2',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(resetSeconds),
      },
    });
    const fetch = client(pacing);
    await (await fetch('/users')).discard();
    expect(waits).toEqual([]);
    await (await fetch('/users?after=2')).discard();
    expect(waits).toHaveLength(1);
    expect(at()).toBe(resetSeconds * 1000);
    expect(provider.received).toHaveLength(2);
  });

  it('reads reset headers as epoch seconds or as seconds from now', () => {
    const now = Date.UTC(2026, 0, 1);
    const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] ?? null });
    expect(rateLimitNotice(headers({ 'ratelimit-remaining': '3', 'ratelimit-reset': '12' }), now)).toEqual({
      remaining: 3,
      resetAt: now + 12_000,
      retryAfterMs: undefined,
    });
    expect(rateLimitNotice(headers({ 'x-ratelimit-reset': '1767225700' }), now).resetAt).toBe(
      1_767_225_700_000,
    );
  });

  it('sets the declared credential and default headers on every request, the request’s own winning', async () => {
    const { pacing } = fakePacing(60_000);
    const fetch = providerFetch({
      baseUrl: base,
      signal: new AbortController().signal,
      pacing,
      headers: { accept: 'application/json', 'x-version': '1' },
      auth: configCredential(
        { kind: 'header', header: 'authorization', prefix: 'SSWS ', field: 'api_token' },
        {
          api_token: 'secret-1',
        },
      ),
    });
    await (await fetch('/a', { headers: { 'x-version': '2' } })).discard();
    const basic = providerFetch({
      baseUrl: base,
      signal: new AbortController().signal,
      pacing,
      auth: configCredential(
        { kind: 'basic', usernameField: 'user', passwordField: 'password' },
        {
          user: 'u',
          password: 'p',
        },
      ),
    });
    await (await basic('/b')).discard();
    const [first, second] = provider.received;
    expect(first!.headers.authorization).toBe('SSWS secret-1');
    expect(first!.headers.accept).toBe('application/json');
    expect(first!.headers['x-version']).toBe('2');
    expect(second!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('gives SDKs a WHATWG fetch on the same origin that leaves rate-limit answers to them', async () => {
    const { pacing, waits } = fakePacing(60_000);
    const web = providerWebFetch({ baseUrl: base, signal: new AbortController().signal, pacing });
    provider.script.push({ status: 429, headers: { 'retry-after': '1', 'x-extra': 'yes' }, body: '{"m":1}' });
    const limited = await web(new URL('items?x=1', base));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-extra')).toBe('yes');
    expect(await limited.json()).toEqual({ m: 1 });
    expect(waits).toEqual([]);
    const posted = await web(new URL('items', base).href, { method: 'POST', body: '{"a":1}' });
    expect(posted.status).toBe(200);
    await expect(web('http://example.com/')).rejects.toThrow(/not the provider's base URL/);
  });

  it('counts requests sent against the announced budget, so concurrent requests never exceed it', async () => {
    const { pacing, waits, at } = fakePacing(60_000);
    const reset = String(Math.floor(at() / 1000) + 10);
    provider.script.push({
      status: 200,
      headers: { 'x-rate-limit-remaining': '2', 'x-rate-limit-reset': reset },
    });
    const fetch = client(pacing);
    await (await fetch('/api/v1/users')).discard();
    // Two left: two go at once, the third waits for the reset.
    await Promise.all(
      ['/api/v1/users?a', '/api/v1/users?b', '/api/v1/users?c'].map(async (p) => (await fetch(p)).discard()),
    );
    expect(waits).toHaveLength(1);
    expect(provider.received).toHaveLength(4);
  });

  it("keeps each limit's budget apart: Okta's families by path, GitHub's resources as answers name them", async () => {
    const { pacing, waits, at } = fakePacing(60_000);
    const reset = String(Math.floor(at() / 1000) + 30);
    const spent = { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset };
    provider.script.push({ status: 200, headers: spent });
    const fetch = client(pacing);
    await (await fetch('/api/v1/users')).discard();
    // Groups are another family: not held by the users' spent budget.
    await (await fetch('/api/v1/groups')).discard();
    expect(waits).toEqual([]);
    // GitHub names its resource: /orgs and /repos answers count against the same `core` budget.
    const core = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'core' };
    provider.script.push(
      { status: 200, headers: core },
      { status: 200, headers: { 'x-ratelimit-resource': 'core' } },
    );
    await (await fetch('/orgs/acme/repos')).discard();
    await (await fetch('/repos/acme/a')).discard();
    expect(waits).toEqual([]); // /repos's resource is not known before its first answer
    await (await fetch('/repos/acme/b')).discard();
    expect(waits).toHaveLength(1);
  });

  it('keeps the limits of each host apart when an SDK calls several (AWS regions)', async () => {
    const { pacing, waits, at } = fakePacing(60_000);
    const spent = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(at() / 1000) + 30) };
    const agent = new MockAgent();
    agent.disableNetConnect();
    const east = agent.get('https://config.us-east-1.amazonaws.com');
    east.intercept({ path: '/', method: 'POST' }).reply(200, '{}', { headers: spent }).times(2);
    agent
      .get('https://config.eu-west-1.amazonaws.com')
      .intercept({ path: '/', method: 'POST' })
      .reply(200, '{}');
    const fetch = providerFetch({
      baseUrl: new URL('https://config.us-east-1.amazonaws.com/'),
      signal: new AbortController().signal,
      pacing,
      dispatcher: agent,
      otherHosts: (host) => host.endsWith('.amazonaws.com'),
    });
    await (await fetch('/', { method: 'POST' })).discard();
    await (await fetch('https://config.eu-west-1.amazonaws.com/', { method: 'POST' })).discard();
    expect(waits).toEqual([]);
    await (await fetch('/', { method: 'POST' })).discard();
    expect(waits).toEqual([30_000]);
    await agent.close();
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, type TokenSource } from '../src/api/client';
import { ApiError } from '../src/api/errors';
import { SessionManager } from '../src/auth/session';
import { error, fakeApi, json, sequence, sessionBody } from './helpers';

const tokens = (token: string | null, refresh: () => Promise<boolean> = async () => false): TokenSource => ({
  accessToken: () => token,
  refresh,
});

describe('the API client', () => {
  it('turns the error envelope into an ApiError with code, message, details and request id', async () => {
    const details = { fields: [{ field: 'config.domain', location: 'body', message: 'must match pattern' }] };
    const { fetch } = fakeApi({
      'POST /integration-connections': error(400, 'VALIDATION_ERROR', 'Invalid body', details),
    });
    const client = new ApiClient({ fetch, tokens: tokens('t') });
    const failure = await client.post('/integration-connections', { name: 'x' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    const apiError = failure as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('VALIDATION_ERROR');
    expect(apiError.message).toBe('Invalid body');
    expect(apiError.details).toEqual(details);
    expect(apiError.requestId).toBe('req-1');
    expect(apiError.fields).toEqual(details.fields);
  });

  it('reads retry_after on a 429, and gives answers that are not the envelope a code of their own', async () => {
    const client = new ApiClient({
      fetch: async (input) =>
        String(input).endsWith('/limited')
          ? json(429, { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Slow down', retry_after: 12 } })
          : new Response('<html>Bad gateway</html>', { status: 502 }),
    });
    const limited = (await client.get('/limited').catch((e: unknown) => e)) as ApiError;
    expect([limited.code, limited.retryAfter]).toEqual(['RATE_LIMIT_EXCEEDED', 12]);
    const gateway = (await client.get('/proxy').catch((e: unknown) => e)) as ApiError;
    expect([gateway.status, gateway.code]).toEqual([502, 'HTTP_502']);
    expect(gateway.message).toMatch(/try again/i);
  });

  it('reports a network failure as NETWORK_ERROR with what to do', async () => {
    const client = new ApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const failure = (await client.get('/auth/me').catch((e: unknown) => e)) as ApiError;
    expect(failure.code).toBe('NETWORK_ERROR');
    expect(failure.message).toMatch(/could not be reached/);
  });

  it('sends the bearer token, the query without empty values, and JSON bodies', async () => {
    const { fetch, calls } = fakeApi({ 'GET /integration-connections': { data: [], pagination: {} } });
    const client = new ApiClient({ fetch, tokens: tokens('abc') });
    await client.get('/integration-connections', {
      status: 'connected',
      search: '',
      page: 2,
      health: undefined,
    });
    expect(calls[0]?.headers.authorization).toBe('Bearer abc');
    expect(calls[0]?.query.toString()).toBe('status=connected&page=2');
  });

  it('on a 401 renews the token once and repeats the call with the new one', async () => {
    let token = 'old';
    const refresh = vi.fn(async () => {
      token = 'new';
      return true;
    });
    const { fetch, calls } = fakeApi({
      'GET /auth/me': (call) =>
        call.headers.authorization === 'Bearer new'
          ? { data: { ok: true } }
          : error(401, 'UNAUTHENTICATED', 'Expired'),
    });
    const client = new ApiClient({ fetch, tokens: { accessToken: () => token, refresh } });
    await expect(client.get('/auth/me')).resolves.toEqual({ data: { ok: true } });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('does not loop: a second 401 after renewal is the answer, and a refused renewal is not retried', async () => {
    const refresh = vi.fn(async () => true);
    const { fetch, calls } = fakeApi({ 'GET /auth/me': error(401, 'UNAUTHENTICATED', 'Nope') });
    const client = new ApiClient({ fetch, tokens: tokens('t', refresh) });
    await expect(client.get('/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);

    const refused = vi.fn(async () => false);
    const second = fakeApi({ 'GET /auth/me': error(401, 'UNAUTHENTICATED', 'Nope') });
    await expect(
      new ApiClient({ fetch: second.fetch, tokens: tokens('t', refused) }).get('/auth/me'),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(second.calls).toHaveLength(1);
  });
});

describe('the session', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the access token in memory only and refreshes with {} through the cookie', async () => {
    const { fetch, calls } = fakeApi({
      'POST /auth/login': sessionBody('first'),
      'POST /auth/refresh': sessionBody('second'),
    });
    const session = new SessionManager({ fetch, lock: (task) => task() });
    await session.login('ada@example.com', 'correct horse battery');
    expect(session.accessToken()).toBe('first');
    expect(calls[0]?.body).toEqual({ email: 'ada@example.com', password: 'correct horse battery' });
    expect(calls[0]?.headers.authorization).toBeUndefined();
    // Nothing of the session is written where a script or another page could read it later.
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');

    await expect(session.refresh()).resolves.toBe(true);
    expect(session.accessToken()).toBe('second');
    expect(calls[1]).toMatchObject({ method: 'POST', path: '/auth/refresh', body: {} });
    expect(calls[1]?.headers.authorization).toBeUndefined();
  });

  it('renews a minute before the token expires', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = fakeApi({
      'POST /auth/login': sessionBody('first', 900),
      'POST /auth/refresh': sessionBody('second', 900),
    });
    const session = new SessionManager({ fetch, lock: (task) => task() });
    await session.login('ada@example.com', 'pw');
    await vi.advanceTimersByTimeAsync(838_000);
    expect(calls.filter((call) => call.path === '/auth/refresh')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls.filter((call) => call.path === '/auth/refresh')).toHaveLength(1);
    expect(session.accessToken()).toBe('second');
  });

  it('makes one renewal for a burst of 401s', async () => {
    const { fetch, calls } = fakeApi({
      'POST /auth/login': sessionBody('old'),
      'POST /auth/refresh': sessionBody('new'),
      'GET /integrations/dashboard': (call) =>
        call.headers.authorization === 'Bearer new' ? { data: {} } : error(401, 'UNAUTHENTICATED', 'Expired'),
    });
    const session = new SessionManager({ fetch, lock: (task) => task() });
    await session.login('ada@example.com', 'pw');
    await Promise.all([1, 2, 3].map(() => session.client.get('/integrations/dashboard')));
    expect(calls.filter((call) => call.path === '/auth/refresh')).toHaveLength(1);
  });

  it('ends with reason "expired" when the server refuses the renewal', async () => {
    const { fetch } = fakeApi({
      'POST /auth/login': sessionBody('old'),
      'POST /auth/refresh': error(401, 'SESSION_EXPIRED', 'The session expired'),
      'GET /auth/me': error(401, 'UNAUTHENTICATED', 'Expired'),
    });
    const session = new SessionManager({ fetch, lock: (task) => task() });
    await session.login('ada@example.com', 'pw');
    await expect(session.client.get('/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(session.getState()).toEqual({ status: 'signed_out', reason: 'expired' });
    expect(session.accessToken()).toBeNull();
  });

  it('restores a session from the cookie at start, or starts signed out without one', async () => {
    const withCookie = new SessionManager({
      fetch: fakeApi({ 'POST /auth/refresh': sessionBody('t') }).fetch,
    });
    expect(withCookie.getState().status).toBe('restoring');
    await withCookie.restore();
    expect(withCookie.getState().status).toBe('signed_in');

    const without = new SessionManager({
      fetch: fakeApi({ 'POST /auth/refresh': error(400, 'VALIDATION_ERROR', 'refresh_token is required') })
        .fetch,
    });
    await without.restore();
    expect(without.getState()).toEqual({ status: 'signed_out', reason: 'none' });
  });

  it('logs out: revokes on the server, forgets the token, even when the server cannot be reached', async () => {
    const { fetch, calls } = fakeApi({
      'POST /auth/login': sessionBody('t'),
      'POST /auth/logout': sequence({ status: 204 }, { status: 500 }),
    });
    const session = new SessionManager({ fetch, lock: (task) => task() });
    await session.login('ada@example.com', 'pw');
    await session.logout();
    expect(calls.at(-1)).toMatchObject({ method: 'POST', path: '/auth/logout', body: {} });
    expect(session.getState()).toEqual({ status: 'signed_out', reason: 'logged_out' });
    expect(session.accessToken()).toBeNull();

    await session.login('ada@example.com', 'pw');
    await session.logout();
    expect(session.getState()).toEqual({ status: 'signed_out', reason: 'logged_out' });
  });

  it('serialises renewals through the cross-tab lock', async () => {
    const order: string[] = [];
    const lock = async <T,>(task: () => Promise<T>) => {
      order.push('lock');
      const result = await task();
      order.push('unlock');
      return result;
    };
    const session = new SessionManager({
      fetch: fakeApi({ 'POST /auth/refresh': sessionBody('t') }).fetch,
      lock,
    });
    await session.refresh();
    expect(order).toEqual(['lock', 'unlock']);
  });
});

/** The public API of a `switchboard` child process (test/helpers/cli.ts), called over HTTP as a client would. */
import { expect } from 'vitest';
import { uniqueName } from './env.js';

export interface CliApi {
  url: string;
  token: string;
}

/** Calls `route` under /api/v1 with the bearer token; expects a 2xx and returns its JSON. */
export async function callApi(api: CliApi, method: 'GET' | 'POST', route: string, body?: object) {
  const res = await fetch(`${api.url}/api/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  expect(res.status < 300, `${method} ${route}: ${res.status} ${text}`).toBe(true);
  return JSON.parse(text);
}

/** Registers a new org through the public API: its admin's access token. */
export async function registerOrg(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `${uniqueName('cli')}@example.com`,
      password: 'correct horse battery staple',
      name: 'Cli Admin',
      org_name: 'Cli Org',
    }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text).data.access_token;
}

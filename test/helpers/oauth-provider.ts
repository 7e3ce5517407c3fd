import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Connector, ConnectorDefinition, TestOutcome } from '../../src/connectors/sdk.js';
import type { Clock } from '../../src/platform/clock.js';
import { type TestApp, testApp } from './app.js';

export const CLIENT_ID = 'switchboard-test';
export const CLIENT_SECRET = `client-secret-${process.pid}-plaintext`;
export const CALLBACK_PATH = '/api/v1/integrations/oauth/callback';

export function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A port nobody listens on now (for the app's public URL, which the provider must know up front). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
}

export interface OAuthProviderFixture {
  issuer: string;
  /** The oidc-provider instance: tests look tokens up (`AccessToken.find`) or destroy them. */
  provider: Provider;
  /** Requests per `METHOD /path` (e.g. `POST /token`, `POST /token/revocation`). */
  hits: Map<string, number>;
  /** What the resource owner does at the interaction page, and who they are. */
  owner: { decision: 'allow' | 'deny'; account: string };
  close(): Promise<void>;
}

export interface ProviderOptions {
  redirectUri: string;
  /** Access token lifetime in seconds (the provider's own, real-time clock). */
  accessTokenTtl?: number;
}

/**
 * A real OAuth 2.0 authorization server (oidc-provider) on loopback: PKCE required, refresh tokens
 * rotated on every use (a reused one revokes the grant, as strict providers do), revocation and
 * introspection on, and an interaction page that logs the owner in and consents (or denies) without
 * a form.
 */
export async function startOAuthProvider(options: ProviderOptions): Promise<OAuthProviderFixture> {
  let provider: Provider | undefined;
  const hits = new Map<string, number>();
  const owner: OAuthProviderFixture['owner'] = { decision: 'allow', account: 'octo-user' };
  const server = createServer(async (req, res) => {
    if (!provider) throw new Error('provider not ready');
    const name = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    hits.set(name, (hits.get(name) ?? 0) + 1);
    if (!req.url?.startsWith('/interaction/')) {
      provider.callback()(req, res);
      return;
    }
    const details = await provider.interactionDetails(req, res);
    if (owner.decision === 'deny') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The user said no',
      });
      return;
    }
    const grant = new provider.Grant({ accountId: owner.account, clientId: CLIENT_ID });
    const scope = details.params.scope;
    grant.addOIDCScope(typeof scope === 'string' ? scope : '');
    await provider.interactionFinished(req, res, {
      login: { accountId: owner.account },
      consent: { grantId: await grant.save() },
    });
  });
  const issuer = `http://127.0.0.1:${await listen(server)}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'offline_access', 'repo.read'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 86_400,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    issueRefreshToken: async () => true,
    cookies: { keys: ['oauth-test-cookie-key'] },
  });
  return { issuer, provider, hits, owner, close: () => close(server) };
}

/** A browser: follows redirects by hand, keeping the provider's cookies, until one leaves for `stopAt`. */
export async function browse(start: string, stopAt: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(stopAt)) return url;
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const header of res.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url}: ${res.status} ${await res.text()}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

export interface ResourceApi {
  baseUrl: string;
  /** The bearer token of every request, in order, and the status it got. */
  seen: { token: string | undefined; status: number }[];
  close(): Promise<void>;
}

/**
 * The provider's API, as a resource server does it: `GET /me` answers 200 for an access token the
 * authorization server still knows (not expired, revoked or destroyed) and 401 otherwise.
 */
export async function startResourceApi(fixture: OAuthProviderFixture): Promise<ResourceApi> {
  const seen: ResourceApi['seen'] = [];
  const server = createServer(async (req, res) => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    const found = token ? await fixture.provider.AccessToken.find(token) : undefined;
    const status = found ? 200 : 401;
    seen.push({ token, status });
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(found ? {} : { 'www-authenticate': 'Bearer error="invalid_token"' }),
    });
    res.end(JSON.stringify(found ? { sub: found.accountId } : { message: 'Bad credentials' }));
  });
  const port = await listen(server);
  return { baseUrl: `http://127.0.0.1:${port}`, seen, close: () => close(server) };
}

/**
 * A connector whose test calls `GET /me` at its `base_url` when one is configured (through the
 * engine's fetch, so with the OAuth bearer token), and passes without one.
 */
export function oauthConnector(definition: Partial<ConnectorDefinition>): Connector {
  return {
    definition: {
      name: 'Fixture',
      provider: 'fixture',
      category: 'code_devops',
      shortDescription: 'A fixture',
      description: 'A fixture connector',
      iconUrl: '/icons/fixture.svg',
      authType: 'oauth2',
      configSchema: {
        type: 'object',
        required: ['client_id', 'client_secret'],
        properties: {
          client_id: { type: 'string' },
          client_secret: { type: 'string', format: 'password' },
          base_url: { type: 'string' },
        },
        additionalProperties: false,
      },
      capabilities: ['sync_users'],
      entities: [{ name: 'users', description: 'Users' }],
      version: '1.0.0',
      tags: [],
      slug: 'fixture',
      ...definition,
    },
    async test(ctx): Promise<TestOutcome> {
      if (typeof ctx.config.base_url !== 'string') return { ok: true, message: 'fine', details: {} };
      const res = await ctx.fetch('/me');
      if (res.ok) return { ok: true, message: 'Authenticated', details: { me: await res.json() } };
      return {
        ok: false,
        errorType: 'auth_error',
        message: 'The provider refused the token',
        httpStatus: res.status,
      };
    },
  };
}

export const RETURN_ORIGIN = 'https://app.example.com';

export interface OAuthApp {
  t: TestApp;
  fixture: OAuthProviderFixture;
  publicUrl: string;
  close(): Promise<void>;
}

/**
 * The app listening on loopback (the provider redirects a browser to it) beside a real
 * authorization server, with the connectors built from the server's issuer.
 */
export async function startOAuthApp(options: {
  clock?: Clock;
  accessTokenTtl?: number;
  connectors: (issuer: string) => Connector[];
}): Promise<OAuthApp> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const fixture = await startOAuthProvider({
    redirectUri: `${publicUrl}${CALLBACK_PATH}`,
    accessTokenTtl: options.accessTokenTtl,
  });
  const t = await testApp({
    clock: options.clock,
    env: {
      SWITCHBOARD_RATE_LIMITS: 'false',
      SWITCHBOARD_PUBLIC_URL: publicUrl,
      SWITCHBOARD_OAUTH_RETURN_ORIGINS: `${RETURN_ORIGIN}, http://localhost:3000`,
    },
    connectors: options.connectors(fixture.issuer),
  });
  await t.app.listen({ port, host: '127.0.0.1' });
  return {
    t,
    fixture,
    publicUrl,
    async close() {
      await t.close();
      await fixture.close();
    },
  };
}

/**
 * Plays a whole flow: starts it at `startPath` (connect/oauth of a connection, or the user's own),
 * lets the owner consent at the provider, and follows the redirect to the callback; answers where
 * the callback sent the browser.
 */
export async function connectThroughOAuth(
  oauthApp: OAuthApp,
  startPath: string,
  auth: { authorization: string },
): Promise<URL> {
  const started = await oauthApp.t.app.inject({
    method: 'POST',
    url: startPath,
    headers: auth,
    payload: { return_url: `${RETURN_ORIGIN}/integrations/done` },
  });
  if (started.statusCode !== 200)
    throw new Error(`connect/oauth answered ${started.statusCode}: ${started.body}`);
  const redirect = await browse(
    started.json().data.authorization_url,
    `${oauthApp.publicUrl}${CALLBACK_PATH}`,
  );
  const res = await fetch(redirect, { redirect: 'manual' });
  return new URL(res.headers.get('location') ?? 'about:blank');
}

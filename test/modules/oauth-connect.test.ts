import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorDefinition } from '../../src/connectors/sdk.js';
import { ConnectionSecrets } from '../../src/modules/connections/secrets.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

const CLIENT_ID = 'switchboard-test';
const CLIENT_SECRET = `client-secret-${process.pid}-plaintext`;
const ACCOUNT_ID = 'octo-user';
const CALLBACK_PATH = '/api/v1/integrations/oauth/callback';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nobody listens on now, for the app's public URL (the provider must know it up front). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
}

/** What the resource owner answers at the provider's interaction page. */
let decision: 'allow' | 'deny' = 'allow';

/**
 * A real OAuth 2.0 authorization server (oidc-provider) on loopback, PKCE required, with an
 * interaction page that logs the test account in and consents (or denies) without a form.
 */
async function startProvider(redirectUri: string) {
  let provider: Provider | undefined;
  const server = createServer(async (req, res) => {
    if (!provider) throw new Error('provider not ready');
    if (!req.url?.startsWith('/interaction/')) {
      provider.callback()(req, res);
      return;
    }
    const details = await provider.interactionDetails(req, res);
    if (decision === 'deny') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The user said no',
      });
      return;
    }
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId: CLIENT_ID });
    const scope = details.params.scope;
    grant.addOIDCScope(typeof scope === 'string' ? scope : '');
    await provider.interactionFinished(req, res, {
      login: { accountId: ACCOUNT_ID },
      consent: { grantId: await grant.save() },
    });
  });
  const issuer = `http://127.0.0.1:${await listen(server)}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'offline_access', 'repo.read'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    issueRefreshToken: async () => true,
    cookies: { keys: ['oauth-connect-test-cookie-key'] },
  });
  return { server, issuer };
}

/** A browser: follows redirects by hand, keeping the provider's cookies, until one leaves for `stopAt`. */
async function browse(start: string, stopAt: string): Promise<string> {
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

function connector(definition: Partial<ConnectorDefinition>): Connector {
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
        },
      },
      capabilities: ['sync_users'],
      entities: [{ name: 'users', description: 'Users' }],
      version: '1.0.0',
      tags: [],
      slug: 'fixture',
      ...definition,
    },
    test: async () => ({ ok: true, message: 'fine', details: {} }),
  };
}

describe('OAuth connect flow (authorization code + PKCE against oidc-provider)', () => {
  const clock = new FakeClock(new Date().toISOString());
  const returnOrigin = 'https://app.example.com';
  let t: TestApp;
  let provider: Server;
  let publicUrl: string;
  let admin: SeededUser;
  let counter = 0;

  const db = () => t.ctx.database.db;
  const rawRow = (id: string) =>
    db().selectFrom('integration_connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const storedSecrets = async (id: string) => {
    const row = await rawRow(id);
    return new ConnectionSecrets(t.app.services.secretBox).open(row.org_id, row.id, row.secrets);
  };

  async function create(slug: string, config: Record<string, unknown>): Promise<string> {
    const definition = await db()
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: admin.auth,
      payload: { definition_id: definition.id, name: `OAuth ${++counter}`, config },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id;
  }

  const createOAuth = () => create('fixture-oauth', { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });

  async function start(id: string, returnUrl = `${returnOrigin}/integrations/done`) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${id}/connect/oauth`,
      headers: admin.auth,
      payload: { return_url: returnUrl },
    });
  }

  /** Starts the flow and plays the browser up to the provider's redirect to our callback. */
  async function authorize(id: string): Promise<string> {
    const res = await start(id);
    expect(res.statusCode, res.body).toBe(200);
    return browse(res.json().data.authorization_url, `${publicUrl}${CALLBACK_PATH}`);
  }

  const callback = (url: string) => fetch(url, { redirect: 'manual' });

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    const started = await startProvider(`${publicUrl}${CALLBACK_PATH}`);
    provider = started.server;
    t = await testApp({
      clock,
      env: {
        SWITCHBOARD_RATE_LIMITS: 'false',
        SWITCHBOARD_PUBLIC_URL: publicUrl,
        SWITCHBOARD_OAUTH_RETURN_ORIGINS: `${returnOrigin}, http://localhost:3000`,
      },
      connectors: [
        connector({
          slug: 'fixture-oauth',
          oauth: {
            authorizationUrl: `${started.issuer}/auth`,
            tokenUrl: `${started.issuer}/token`,
            scopes: ['repo.read'],
          },
        }),
        connector({
          slug: 'fixture-key',
          authType: 'api_key',
          configSchema: {
            type: 'object',
            properties: { api_key: { type: 'string', format: 'password' } },
          },
        }),
      ],
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    admin = await seedUser(t);
  });
  afterAll(async () => {
    await t?.close();
    if (provider) await close(provider);
  });

  it('connects: tokens sealed in the secrets, credential active, browser sent back with success', async () => {
    decision = 'allow';
    const id = await createOAuth();
    const started = await start(id);
    expect(started.statusCode, started.body).toBe(200);
    const { authorization_url: authorizationUrl, state } = started.json().data;
    const authorization = new URL(authorizationUrl);
    expect(Object.fromEntries(authorization.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${publicUrl}${CALLBACK_PATH}`,
      scope: 'repo.read',
      state,
      code_challenge_method: 'S256',
    });
    const stateRow = await db().selectFrom('oauth_states').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(stateRow)).not.toContain(state);
    expect(stateRow).toMatchObject({ connection_id: id, org_id: admin.orgId, user_id: admin.id });
    expect(Date.parse(stateRow.expires_at) - clock.now().getTime()).toBe(10 * 60 * 1000);

    const redirect = await browse(authorizationUrl, `${publicUrl}${CALLBACK_PATH}`);
    const res = await callback(redirect);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(`${returnOrigin}/integrations/done`);
    expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'success', connection_id: id });

    const secrets = await storedSecrets(id);
    expect(secrets).toMatchObject({ client_secret: CLIENT_SECRET });
    expect(typeof secrets.access_token).toBe('string');
    expect(typeof secrets.refresh_token).toBe('string');
    const row = await rawRow(id);
    const raw = JSON.stringify(row);
    for (const value of [CLIENT_SECRET, secrets.access_token, secrets.refresh_token]) {
      expect(raw).not.toContain(value);
    }
    expect(row.credential_status).toBe('active');
    expect(row.credential_expires_at).toBe(secrets.expires_at);
    expect(Date.parse(row.credential_expires_at ?? '')).toBeGreaterThan(clock.now().getTime());

    const status = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${id}/connection`,
      headers: admin.auth,
    });
    expect(status.json().data).toMatchObject({ status: 'active', expires_at: row.credential_expires_at });

    const audits = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('target_id', '=', id)
      .where('action', '=', 'connection.oauth_connected')
      .execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_type: 'user', actor_id: admin.id });
    expect(JSON.stringify(audits)).not.toContain(String(secrets.access_token));
    expect(t.logs.text()).not.toContain(String(secrets.access_token));

    // Replayed: the state was spent, nothing changes.
    const replay = await callback(redirect);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(await rawRow(id)).toEqual(row);
  });

  it('refuses an expired state and stores nothing', async () => {
    decision = 'allow';
    const id = await createOAuth();
    const redirect = await authorize(id);
    clock.advance(10 * 60 * 1000 + 1);
    const before = await rawRow(id);
    const res = await callback(redirect);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await rawRow(id)).toEqual(before);
    expect(before.credential_status).toBe('none');
  });

  it('refuses a forged state and stores nothing', async () => {
    decision = 'allow';
    const id = await createOAuth();
    const redirect = new URL(await authorize(id));
    redirect.searchParams.set('state', 'forged-state-value');
    const before = await rawRow(id);
    const res = await callback(redirect.toString());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(await rawRow(id)).toEqual(before);

    const missing = await callback(`${publicUrl}${CALLBACK_PATH}?code=abc`);
    expect(missing.status).toBe(400);
  });

  it('passes a provider error back to return_url', async () => {
    decision = 'deny';
    const id = await createOAuth();
    const res = await callback(await authorize(id));
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.origin).toBe(returnOrigin);
    expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'error', error: 'access_denied' });
    expect((await rawRow(id)).credential_status).toBe('none');
    expect(Object.keys(await storedSecrets(id))).toEqual(['client_secret']);
  });

  it('refuses a return_url off the allow-list, naming it', async () => {
    const id = await createOAuth();
    for (const url of ['https://evil.example.com/cb', 'not a url', 'https://app.example.com.evil.io/']) {
      const res = await start(id, url);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details.fields).toEqual([expect.objectContaining({ field: 'return_url' })]);
    }
    expect((await start(id, 'http://localhost:3000/done')).statusCode).toBe(200);
  });

  it('is only for oauth2 integrations', async () => {
    const id = await create('fixture-key', {});
    const res = await start(id);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'AUTH_TYPE_MISMATCH', details: { auth_type: 'api_key' } });
  });
});

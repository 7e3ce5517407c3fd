import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSecrets } from '../../src/modules/connections/secrets.js';
import { newId } from '../../src/platform/ids.js';
import type { TestApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import {
  browse,
  CALLBACK_PATH,
  CLIENT_ID,
  CLIENT_SECRET,
  type OAuthApp,
  oauthConnector,
  RETURN_ORIGIN,
  startOAuthApp,
} from '../helpers/oauth-provider.js';

describe('OAuth connect flow (authorization code + PKCE against oidc-provider)', () => {
  const clock = new FakeClock(new Date().toISOString());
  const returnOrigin = RETURN_ORIGIN;
  let oauthApp: OAuthApp;
  let t: TestApp;
  let publicUrl: string;
  let admin: SeededUser;
  let counter = 0;

  const owner = () => oauthApp.fixture.owner;
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

  const createOAuth = (slug = 'fixture-oauth') =>
    create(slug, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });

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
    oauthApp = await startOAuthApp({
      clock,
      connectors: (issuer) => [
        oauthConnector({
          slug: 'fixture-oauth',
          oauth: {
            authorizationUrl: `${issuer}/auth`,
            tokenUrl: `${issuer}/token`,
            revocationUrl: `${issuer}/token/revocation`,
            scopes: ['repo.read'],
          },
        }),
        // The issuer is declared: the RFC 9207 check uses it, not the authorization endpoint's origin.
        oauthConnector({
          slug: 'fixture-other-issuer',
          oauth: {
            authorizationUrl: `${issuer}/auth`,
            tokenUrl: `${issuer}/token`,
            issuer: 'https://login.example.com/tenant-1/v2.0',
            scopes: ['repo.read'],
          },
        }),
        oauthConnector({
          slug: 'fixture-declared-issuer',
          oauth: {
            authorizationUrl: `${issuer}/auth`,
            tokenUrl: `${issuer}/token`,
            issuer,
            scopes: ['repo.read'],
          },
        }),
        // Revocation at an endpoint that answers 404: the disconnect goes on.
        oauthConnector({
          slug: 'fixture-broken-revocation',
          oauth: {
            authorizationUrl: `${issuer}/auth`,
            tokenUrl: `${issuer}/token`,
            revocationUrl: `${issuer}/no-such-revocation`,
            scopes: ['repo.read'],
          },
        }),
        oauthConnector({
          slug: 'fixture-key',
          authType: 'api_key',
          configSchema: {
            type: 'object',
            properties: { api_key: { type: 'string', format: 'password' } },
          },
        }),
      ],
    });
    t = oauthApp.t;
    publicUrl = oauthApp.publicUrl;
    admin = await seedUser(t);
  });
  afterAll(async () => {
    await oauthApp?.close();
  });

  it('connects: tokens sealed in the secrets, credential active, browser sent back with success', async () => {
    owner().decision = 'allow';
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
    owner().decision = 'allow';
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
    owner().decision = 'allow';
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
    owner().decision = 'deny';
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

  it('checks the issuer the definition declares (RFC 9207), not the endpoint origin, and stores it', async () => {
    owner().decision = 'allow';
    const foreign = await createOAuth('fixture-other-issuer');
    const refused = await callback(await authorize(foreign));
    expect(refused.status).toBe(302);
    expect(Object.fromEntries(new URL(refused.headers.get('location') ?? '').searchParams)).toEqual({
      status: 'error',
      error: 'token_exchange_failed',
    });
    const failure = t.logs.lines.find(
      (line) => line.msg === 'OAuth code exchange failed' && line.connectionId === foreign,
    );
    expect(String(failure?.err)).toMatch(/"iss"/);
    expect((await rawRow(foreign)).credential_status).toBe('none');
    expect(Object.keys(await storedSecrets(foreign))).toEqual(['client_secret']);

    const declared = await createOAuth('fixture-declared-issuer');
    const accepted = await callback(await authorize(declared));
    expect(new URL(accepted.headers.get('location') ?? '').searchParams.get('status')).toBe('success');
    expect((await rawRow(declared)).credential_status).toBe('active');

    const root = await seedUser(t, { superAdmin: true });
    const entry = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/integrations/fixture-other-issuer',
      headers: root.auth,
    });
    expect(entry.json().data.oauth).toMatchObject({ issuer: 'https://login.example.com/tenant-1/v2.0' });
  });

  it('disconnect revokes the tokens at the provider (RFC 7009), then deletes them', async () => {
    owner().decision = 'allow';
    const id = await createOAuth();
    await callback(await authorize(id));
    const { access_token: accessToken, refresh_token: refreshToken } = await storedSecrets(id);
    const { provider, hits } = oauthApp.fixture;
    expect(await provider.AccessToken.find(String(accessToken))).toBeDefined();
    expect(await provider.RefreshToken.find(String(refreshToken))).toBeDefined();
    const revocations = hits.get('POST /token/revocation') ?? 0;

    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${id}/disconnect`,
      headers: admin.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({
      status: 'revoked',
      revocation: { status: 'revoked', error: null },
    });
    expect(hits.get('POST /token/revocation')).toBe(revocations + 2);
    // The provider no longer honours either token.
    expect(await provider.AccessToken.find(String(accessToken))).toBeUndefined();
    expect(await provider.RefreshToken.find(String(refreshToken))).toBeUndefined();
    expect(await rawRow(id)).toMatchObject({ secrets: null, credential_status: 'revoked' });

    // Nothing left to revoke the second time; a definition without an endpoint says so.
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${id}/disconnect`,
      headers: admin.auth,
    });
    expect(again.json().data.revocation).toEqual({ status: 'skipped', error: null });
    const plain = await createOAuth('fixture-declared-issuer');
    const unsupported = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${plain}/disconnect`,
      headers: admin.auth,
    });
    expect(unsupported.json().data.revocation).toEqual({ status: 'unsupported', error: null });
  });

  it('a failed revocation is reported and logged, and the tokens are deleted anyway', async () => {
    owner().decision = 'allow';
    const id = await createOAuth('fixture-broken-revocation');
    await callback(await authorize(id));
    const { access_token: accessToken } = await storedSecrets(id);

    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-connections/${id}/disconnect`,
      headers: admin.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    const { revocation } = res.json().data;
    expect(revocation.status).toBe('failed');
    expect(revocation.error).toMatch(/did not revoke/);
    expect(await rawRow(id)).toMatchObject({
      secrets: null,
      credential_status: 'revoked',
      status: 'pending_setup',
    });
    const warning = t.logs.lines.find(
      (line) =>
        line.msg === 'OAuth token revocation failed; deleting the tokens anyway' && line.connection_id === id,
    );
    expect(warning).toMatchObject({ level: 'warn' });
    expect(t.logs.text()).not.toContain(String(accessToken));
  });

  it('forgets states started more than a day ago when a new flow starts', async () => {
    const id = await createOAuth();
    const hoursAgo = (hours: number) => new Date(clock.now().getTime() - hours * 3_600_000).toISOString();
    const old = async (createdHoursAgo: number, spent: boolean) => {
      const stateId = newId();
      await db()
        .insertInto('oauth_states')
        .values({
          id: stateId,
          state_hash: `hash-${stateId}`,
          org_id: admin.orgId,
          connection_id: id,
          user_id: admin.id,
          actor_type: 'user',
          actor_id: admin.id,
          actor_name: 'someone',
          return_url: `${returnOrigin}/x`,
          code_verifier: 'sealed',
          expires_at: hoursAgo(createdHoursAgo - 1 / 6),
          used_at: spent ? hoursAgo(createdHoursAgo - 1 / 60) : null,
          created_at: hoursAgo(createdHoursAgo),
        })
        .execute();
      return stateId;
    };
    const spentLongAgo = await old(48, true);
    const expiredLongAgo = await old(25, false);
    const spentRecently = await old(1, true);

    expect((await start(id)).statusCode).toBe(200);
    const left = (
      await db().selectFrom('oauth_states').select('id').where('connection_id', '=', id).execute()
    ).map((row) => row.id);
    expect(left).not.toContain(spentLongAgo);
    expect(left).not.toContain(expiredLongAgo);
    expect(left).toContain(spentRecently);
    expect(left).toHaveLength(2);
  });
});

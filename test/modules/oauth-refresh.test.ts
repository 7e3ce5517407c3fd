import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSecrets } from '../../src/modules/connections/secrets.js';
import { findConnection } from '../../src/modules/connections/store.js';
import { OAuthTokens, REFRESH_MARGIN_MS } from '../../src/modules/credentials/oauth-tokens.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { keyedLock } from '../../src/platform/db/keyed-lock.js';
import type { TestApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  connectThroughOAuth,
  freePort,
  type OAuthApp,
  oauthConnector,
  type ResourceApi,
  startOAuthApp,
  startResourceApi,
} from '../helpers/oauth-provider.js';

/** The provider's access token lifetime: short, so the fake clock reaches it in a few steps. */
const TOKEN_TTL_S = 120;

describe('OAuth access-token refresh (against oidc-provider)', () => {
  const clock = new FakeClock(new Date().toISOString());
  let oauthApp: OAuthApp;
  let t: TestApp;
  let api: ResourceApi;
  let admin: SeededUser;
  let counter = 0;

  const db = () => t.ctx.database.db;
  const vault = () => new ConnectionSecrets(t.app.services.secretBox);
  const tokenRequests = () => oauthApp.fixture.hits.get('POST /token') ?? 0;
  const rawRow = (id: string) =>
    db().selectFrom('integration_connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const stored = async (id: string) => {
    const row = await rawRow(id);
    return vault().open(row.org_id, row.id, row.secrets);
  };
  const rowOf = async (id: string) => {
    const row = await findConnection(db(), admin.orgId, id);
    if (!row) throw new Error(`no connection ${id}`);
    return row;
  };
  const auditsOf = (id: string, action: string) =>
    db()
      .selectFrom('audit_log')
      .selectAll()
      .where('target_id', '=', id)
      .where('action', '=', action)
      .execute();
  const runTest = (id: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/integration-connections/${id}/test`, headers: admin.auth });

  async function create(slug = 'fixture-oauth', config: Record<string, unknown> = {}): Promise<string> {
    const definition = await db()
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: admin.auth,
      payload: {
        definition_id: definition.id,
        name: `Refresh ${++counter}`,
        config: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, base_url: api.baseUrl, ...config },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id;
  }

  /** A connection connected through the whole authorization-code flow. */
  async function connected(): Promise<string> {
    const id = await create();
    const back = await connectThroughOAuth(
      oauthApp,
      `/api/v1/integration-connections/${id}/connect/oauth`,
      admin.auth,
    );
    expect(back.searchParams.get('status')).toBe('success');
    return id;
  }

  /** Tokens written straight into a connection, as a provider without the flow would leave them. */
  async function seeded(slug: string, tokens: Record<string, unknown>): Promise<string> {
    const id = await create(slug);
    const row = await rawRow(id);
    await db()
      .updateTable('integration_connections')
      .set({
        secrets: vault().seal(row.org_id, id, { client_secret: CLIENT_SECRET, ...tokens }),
        credential_status: 'active',
        credential_expires_at: typeof tokens.expires_at === 'string' ? tokens.expires_at : null,
      })
      .where('id', '=', id)
      .execute();
    return id;
  }

  const inSeconds = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000).toISOString();

  beforeAll(async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    oauthApp = await startOAuthApp({
      clock,
      accessTokenTtl: TOKEN_TTL_S,
      connectors: (issuer) => [
        oauthConnector({
          slug: 'fixture-oauth',
          oauth: { authorizationUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token`, scopes: ['repo.read'] },
        }),
        // A token endpoint nobody listens on: refreshing fails with a network error.
        oauthConnector({
          slug: 'fixture-unreachable',
          oauth: { authorizationUrl: `${unreachable}/auth`, tokenUrl: `${unreachable}/token`, scopes: [] },
        }),
      ],
    });
    t = oauthApp.t;
    api = await startResourceApi(oauthApp.fixture);
    admin = await seedUser(t);
  });
  afterAll(async () => {
    await api?.close();
    await oauthApp?.close();
  });

  it('uses the stored token, and refreshes it once it is within the margin of its expiry', async () => {
    const id = await connected();
    const first = await stored(id);
    const requests = tokenRequests();

    const fresh = await runTest(id);
    expect(fresh.json().data, fresh.body).toMatchObject({ test_result: 'success' });
    expect(api.seen.at(-1)).toEqual({ token: first.access_token, status: 200 });
    expect(tokenRequests()).toBe(requests);

    clock.advance(TOKEN_TTL_S * 1000 - REFRESH_MARGIN_MS / 2);
    const due = await runTest(id);
    expect(due.json().data, due.body).toMatchObject({ test_result: 'success' });
    expect(tokenRequests()).toBe(requests + 1);
    const after = await stored(id);
    expect(after.access_token).not.toBe(first.access_token);
    // The provider rotates refresh tokens: the new one replaced the spent one.
    expect(after.refresh_token).not.toBe(first.refresh_token);
    expect(after.client_secret).toBe(CLIENT_SECRET);
    expect(api.seen.at(-1)).toEqual({ token: after.access_token, status: 200 });
    const row = await rawRow(id);
    expect(row).toMatchObject({
      credential_status: 'active',
      credential_expires_at: inSeconds(TOKEN_TTL_S),
      credential_error: null,
    });
    expect(after.expires_at).toBe(row.credential_expires_at);
    const audits = await auditsOf(id, 'connection.token_refreshed');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_type: 'system' });
    expect(audits[0]?.changed_fields).toEqual([
      'secrets.access_token',
      'secrets.refresh_token',
      'credential_expires_at',
    ]);
    const logs = t.logs.text();
    for (const token of [first.access_token, after.access_token, after.refresh_token]) {
      expect(logs).not.toContain(String(token));
    }
  });

  it('refreshes after the provider answers 401, and retries the request once', async () => {
    const id = await connected();
    const first = await stored(id);
    // The provider stops honouring the token before its stated expiry.
    await (await oauthApp.fixture.provider.AccessToken.find(String(first.access_token)))?.destroy();
    const requests = tokenRequests();
    const seen = api.seen.length;

    const res = await runTest(id);
    expect(res.json().data, res.body).toMatchObject({ test_result: 'success' });
    const after = await stored(id);
    expect(api.seen.slice(seen)).toEqual([
      { token: first.access_token, status: 401 },
      { token: after.access_token, status: 200 },
    ]);
    expect(after.access_token).not.toBe(first.access_token);
    expect(tokenRequests()).toBe(requests + 1);
  });

  it('refreshes once per operation when the fresh token is refused too', async () => {
    const id = await connected();
    const { provider } = oauthApp.fixture;
    const destroyStored = async () =>
      (await provider.AccessToken.find(String((await stored(id)).access_token)))?.destroy();
    const auth = t.app.services.oauthTokens.authFor(await rowOf(id));
    const requests = tokenRequests();

    await destroyStored();
    expect(await auth?.refreshAfterUnauthorized()).toBe(true);
    // Refused again: the 401 is not about expiry, and the token endpoint is not asked again.
    await destroyStored();
    expect(await auth?.refreshAfterUnauthorized()).toBe(false);
    expect(tokenRequests()).toBe(requests + 1);
    expect((await rawRow(id)).credential_status).toBe('active');
  });

  it('collapses concurrent refreshes of one connection into one token request, across processes too', async () => {
    const id = await connected();
    const first = await stored(id);
    clock.advance(TOKEN_TTL_S * 1000 - REFRESH_MARGIN_MS / 2);
    const row = await rowOf(id);
    // A second process: its own database connection(s), its own OAuthTokens and in-flight map.
    const other = openDatabase(t.ctx.config.database);
    try {
      const otherTokens = new OAuthTokens(other.db, vault(), keyedLock(other), clock, t.ctx.logger);
      const auths = [
        ...[1, 2, 3].map(() => t.app.services.oauthTokens.authFor(row)),
        ...[1, 2].map(() => otherTokens.authFor(row)),
      ];
      const requests = tokenRequests();
      const headers = await Promise.all(
        auths.map(async (auth) => {
          const h = new Headers();
          await auth?.authorize(h);
          return h.get('authorization');
        }),
      );
      // One grant: a second use of the spent refresh token would have made this provider revoke it all.
      expect(tokenRequests()).toBe(requests + 1);
      const after = await stored(id);
      expect(after.access_token).not.toBe(first.access_token);
      expect(new Set(headers)).toEqual(new Set([`Bearer ${after.access_token}`]));
      expect((await rawRow(id)).credential_status).toBe('active');
      expect(await auditsOf(id, 'connection.token_refreshed')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('marks the credential expired and the connection error when the refresh fails for good', async () => {
    const id = await connected();
    const first = await stored(id);
    // The owner revoked the app at the provider: neither token works any more.
    const { provider } = oauthApp.fixture;
    await (await provider.AccessToken.find(String(first.access_token)))?.destroy();
    await (await provider.RefreshToken.find(String(first.refresh_token)))?.destroy();
    const requests = tokenRequests();

    const auth = t.app.services.oauthTokens.authFor(await rowOf(id));
    expect(await auth?.refreshAfterUnauthorized()).toBe(false);
    expect(tokenRequests()).toBe(requests + 1);
    const row = await rawRow(id);
    expect(row).toMatchObject({ credential_status: 'expired', status: 'error', health: 'unhealthy' });
    expect(row.credential_error).toMatch(/invalid_grant/);
    // The stored tokens are left as they were: only connecting again replaces them.
    expect((await stored(id)).refresh_token).toBe(first.refresh_token);
    const audits = await auditsOf(id, 'connection.credential_expired');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_type: 'system' });
    // The lifecycle's events, written with the change.
    const events = await t.ctx.database.db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('subject_id', '=', id)
      .orderBy('seq')
      .execute();
    expect(events.slice(-3)).toEqual([
      { type: 'connection.status_changed', payload: { from: expect.any(String), to: 'error' } },
      { type: 'connection.health_changed', payload: { from: expect.any(String), to: 'unhealthy' } },
      {
        type: 'credential.expired',
        payload: { action: 'connection.credential_expired', reason: row.credential_error },
      },
    ]);
    const status = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${id}/connection`,
      headers: admin.auth,
    });
    expect(status.json().data).toMatchObject({ status: 'expired', validation_error: row.credential_error });

    // Known expired: neither this operation nor a later one asks the provider again.
    expect(await auth?.refreshAfterUnauthorized()).toBe(false);
    const tested = await runTest(id);
    expect(tested.json().data).toMatchObject({
      test_result: 'failed',
      details: { error_type: 'auth_error' },
    });
    expect(tokenRequests()).toBe(requests + 1);

    // Connecting again brings the credential back.
    const back = await connectThroughOAuth(
      oauthApp,
      `/api/v1/integration-connections/${id}/connect/oauth`,
      admin.auth,
    );
    expect(back.searchParams.get('status')).toBe('success');
    expect(await rawRow(id)).toMatchObject({ credential_status: 'active', credential_error: null });
    expect((await runTest(id)).json().data).toMatchObject({ test_result: 'success' });
  });

  it('expires a credential without a refresh token at the first 401, without asking the provider', async () => {
    const id = await seeded('fixture-oauth', { access_token: 'no-longer-valid', expires_at: inSeconds(600) });
    const requests = tokenRequests();
    const res = await runTest(id);
    expect(res.json().data).toMatchObject({ test_result: 'failed', details: { error_type: 'auth_error' } });
    expect(api.seen.at(-1)).toEqual({ token: 'no-longer-valid', status: 401 });
    expect(tokenRequests()).toBe(requests);
    const row = await rawRow(id);
    expect(row).toMatchObject({ credential_status: 'expired', status: 'error' });
    expect(row.credential_error).toMatch(/no refresh token/);
  });

  it('does not expire the credential when the token endpoint cannot be reached', async () => {
    const id = await seeded('fixture-unreachable', {
      access_token: 'still-valid-token',
      refresh_token: 'a-refresh-token',
      expires_at: inSeconds(REFRESH_MARGIN_MS / 2000),
    });
    const before = await rawRow(id);

    // Due for a refresh that fails: the token still has seconds left, so it is used.
    const auth = t.app.services.oauthTokens.authFor(await rowOf(id));
    const headers = new Headers();
    await auth?.authorize(headers);
    expect(headers.get('authorization')).toBe('Bearer still-valid-token');
    expect(
      t.logs.lines.some(
        (line) =>
          line.msg === 'OAuth token refresh failed; using the current token until it expires' &&
          line.connection_id === id,
      ),
    ).toBe(true);
    // After a 401 there is nothing to fall back on: the failure is the caller's (a transient error).
    await expect(auth?.refreshAfterUnauthorized()).rejects.toThrow();
    // Past its expiry the token is not sent: the refresh failure is.
    clock.advance(REFRESH_MARGIN_MS);
    await expect(
      t.app.services.oauthTokens.authFor(await rowOf(id))?.authorize(new Headers()),
    ).rejects.toThrow();

    expect(await rawRow(id)).toEqual(before);
  });

  it('keeps OAuth tokens sealed and out of the config when the config changes', async () => {
    const id = await connected();
    const before = await stored(id);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/integration-connections/${id}`,
      headers: admin.auth,
      payload: { config: { base_url: `${api.baseUrl}/` } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.config).toEqual({
      client_id: CLIENT_ID,
      client_secret: '***masked***',
      base_url: `${api.baseUrl}/`,
    });
    const row = await rawRow(id);
    expect(Object.keys(row.config).sort()).toEqual(['base_url', 'client_id']);
    expect(JSON.stringify(row)).not.toContain(String(before.access_token));
    expect(await stored(id)).toEqual({ ...before });
    expect((await runTest(id)).json().data).toMatchObject({ test_result: 'success' });
  });

  it('gives no provider auth to a connection that does not use OAuth', async () => {
    const row = await rowOf(await create());
    expect(t.app.services.oauthTokens.authFor({ ...row, auth_type: 'api_key' })).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConnector } from '../../src/connectors/demo/index.js';
import { ConnectionSecrets } from '../../src/modules/connections/secrets.js';
import { findConnection } from '../../src/modules/connections/store.js';
import { reencryptSecrets } from '../../src/modules/credentials/rotate-key.js';
import { KeyRing } from '../../src/platform/crypto/key-ring.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import type { TestApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { TEST_ENCRYPTION_KEY } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  connectThroughOAuth,
  type OAuthApp,
  oauthConnector,
  type ResourceApi,
  startOAuthApp,
  startResourceApi,
} from '../helpers/oauth-provider.js';

describe('user-scoped connections (a user’s own OAuth credential, against oidc-provider)', () => {
  const clock = new FakeClock(new Date().toISOString());
  let oauthApp: OAuthApp;
  let t: TestApp;
  let api: ResourceApi;
  /** A plain member: no connection permissions, and still their own credential. */
  let alice: SeededUser;
  /** The org's admin, who created the connection: sees and uses nothing of Alice's. */
  let bob: SeededUser;
  let outsider: SeededUser;
  let counter = 0;

  const db = () => t.ctx.database.db;
  const vault = () => new ConnectionSecrets(t.app.services.secretBox);
  const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, payload });
  const credentialOf = (connectionId: string, userId: string) =>
    db()
      .selectFrom('user_credentials')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  const tokensOf = async (connectionId: string, user: SeededUser) => {
    const row = await credentialOf(connectionId, user.id);
    if (!row) throw new Error('no credential');
    return vault().open(row.org_id, connectionId, row.secrets, user.id);
  };
  const rowOf = async (id: string) => {
    const row = await findConnection(db(), bob.orgId, id);
    if (!row) throw new Error(`no connection ${id}`);
    return row;
  };

  async function createConnection(): Promise<string> {
    const definition = await db()
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', 'fixture-oauth')
      .executeTakeFirstOrThrow();
    const res = await call('POST', '/integration-connections', bob.auth, {
      definition_id: definition.id,
      name: `Personal ${++counter}`,
      config: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, base_url: api.baseUrl },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id;
  }

  /** The user's own flow, consenting at the provider as `account`. */
  async function connectAs(user: SeededUser, connectionId: string, account: string): Promise<URL> {
    oauthApp.fixture.owner.account = account;
    return connectThroughOAuth(
      oauthApp,
      `/api/v1/user/integrations/${connectionId}/connect/oauth`,
      user.auth,
    );
  }

  /** Who the provider's API says the token belongs to. */
  async function whoAmI(authorization: string | null): Promise<unknown> {
    const res = await fetch(`${api.baseUrl}/me`, { headers: { authorization: authorization ?? '' } });
    if (!res.ok) return res.status;
    const body = (await res.json()) as { sub?: string };
    return body.sub;
  }

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
        demoConnector,
      ],
    });
    t = oauthApp.t;
    api = await startResourceApi(oauthApp.fixture);
    bob = await seedUser(t, { role: 'tenant_admin' });
    alice = await seedUser(t, { orgId: bob.orgId, role: 'member' });
    outsider = await seedUser(t);
  });
  afterAll(async () => {
    await api?.close();
    await oauthApp?.close();
  });

  it('connects a user’s own credential, sealed to them, without touching the connection’s', async () => {
    const id = await createConnection();
    const back = await connectAs(alice, id, 'alice-at-provider');
    expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'success', connection_id: id });

    const state = await db()
      .selectFrom('oauth_states')
      .selectAll()
      .where('connection_id', '=', id)
      .executeTakeFirst();
    expect(state).toMatchObject({ scope: 'user', user_id: alice.id, used_at: expect.any(String) });
    const stored = await credentialOf(id, alice.id);
    expect(stored).toMatchObject({ org_id: alice.orgId, status: 'active', error: null });
    const tokens = await tokensOf(id, alice);
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.refresh_token).toBe('string');
    expect(JSON.stringify(stored)).not.toContain(String(tokens.access_token));
    // Bound to the user: the same ciphertext does not open as the connection's own secrets.
    expect(() => vault().open(alice.orgId, id, stored?.secrets ?? null)).toThrow();
    expect(() => vault().open(alice.orgId, id, stored?.secrets ?? null, bob.id)).toThrow();
    // The connection's own credential is untouched.
    const connection = await db()
      .selectFrom('integration_connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(connection.credential_status).toBe('none');
    expect(Object.keys(vault().open(connection.org_id, id, connection.secrets))).toEqual(['client_secret']);

    const mine = await call('GET', `/user/integrations/${id}/connection`, alice.auth);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().data).toEqual({
      connection_id: id,
      connected: true,
      status: 'active',
      expires_at: stored?.expires_at,
      last_connected_at: clock.now().toISOString(),
      validation_error: null,
    });
    const audits = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user_credential.connected')
      .where('target_id', '=', `${id}:${alice.id}`)
      .execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor_type: 'user',
      actor_id: alice.id,
      target_type: 'user_credential',
    });
    expect(t.logs.text()).not.toContain(String(tokens.access_token));
  });

  it('reads `{ connected: false }` until the user connects; 404 for a connection without OAuth', async () => {
    const id = await createConnection();
    const before = await call('GET', `/user/integrations/${id}/connection`, alice.auth);
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toEqual({ data: { connected: false } });
    expect(await credentialOf(id, alice.id)).toBeUndefined();

    const demo = await db()
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', 'demo')
      .executeTakeFirstOrThrow();
    const created = await call('POST', '/integration-connections', bob.auth, {
      definition_id: demo.id,
      name: `Token ${++counter}`,
      config: { api_token: 'x' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await call('GET', `/user/integrations/${created.json().data.id}/connection`, alice.auth);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'USER_CREDENTIAL_NOT_FOUND',
      details: { auth_type: 'api_key' },
    });
  });

  it('hides a user’s credential from every other user, admin or not, and from API keys', async () => {
    const id = await createConnection();
    await connectAs(alice, id, 'alice-at-provider');
    const before = await credentialOf(id, alice.id);

    // Bob has not connected: Alice's credential does not show through.
    const bobs = await call('GET', `/user/integrations/${id}/connection`, bob.auth);
    expect(bobs.statusCode, bobs.body).toBe(200);
    expect(bobs.json()).toEqual({ data: { connected: false } });
    const bobDisconnect = await call('POST', `/user/integrations/${id}/disconnect`, bob.auth);
    expect(bobDisconnect.statusCode).toBe(404);
    expect(bobDisconnect.json().error.code).toBe('USER_CREDENTIAL_NOT_FOUND');
    for (const [method, path] of [
      ['GET', 'connection'],
      ['POST', 'disconnect'],
    ] as const) {
      const foreign = await call(method, `/user/integrations/${id}/${path}`, outsider.auth);
      expect([path, foreign.statusCode]).toEqual([path, 404]);
      expect(foreign.json().error.code).toBe('CONNECTION_NOT_FOUND');
    }
    const foreignStart = await call('POST', `/user/integrations/${id}/connect/oauth`, outsider.auth, {
      return_url: 'https://app.example.com/done',
    });
    expect(foreignStart.statusCode).toBe(404);
    // The org's view of the connection says nothing of Alice's credential.
    const orgView = await call('GET', `/integration-connections/${id}/connection`, bob.auth);
    expect(orgView.json().data).toMatchObject({ status: 'none', expires_at: null });
    expect(orgView.body).not.toContain(String(before?.expires_at));

    // An API key, even a tenant admin's with every connection scope, cannot act for a person.
    const created = await call('POST', '/api-keys', bob.auth, {
      name: 'automation',
      scopes: ['connections:read', 'connections:update'],
    });
    const key = { authorization: `Bearer ${created.json().data.key}` };
    for (const [method, path, body] of [
      ['GET', 'connection', undefined],
      ['POST', 'disconnect', undefined],
      ['POST', 'connect/oauth', { return_url: 'https://app.example.com/done' }],
    ] as const) {
      const res = await call(method, `/user/integrations/${id}/${path}`, key, body);
      expect([path, res.statusCode]).toEqual([path, 403]);
    }
    expect(await credentialOf(id, alice.id)).toEqual(before);
  });

  it('keeps each user’s credential apart, and refreshes or expires one without the others', async () => {
    const id = await createConnection();
    await connectAs(alice, id, 'alice-at-provider');
    await connectAs(bob, id, 'bob-at-provider');
    const aliceFirst = await tokensOf(id, alice);
    const bobFirst = await tokensOf(id, bob);
    expect(aliceFirst.access_token).not.toBe(bobFirst.access_token);
    const row = await rowOf(id);
    const { provider } = oauthApp.fixture;

    // Alice's token stops working; her credential is refreshed, Bob's is not touched.
    await (await provider.AccessToken.find(String(aliceFirst.access_token)))?.destroy();
    const aliceAuth = t.app.services.oauthTokens.authForUser(row, alice.id);
    expect(await aliceAuth?.refreshAfterUnauthorized()).toBe(true);
    const headers = new Headers();
    await aliceAuth?.authorize(headers);
    expect(await whoAmI(headers.get('authorization'))).toBe('alice-at-provider');
    const aliceAfter = await tokensOf(id, alice);
    expect(aliceAfter.access_token).not.toBe(aliceFirst.access_token);
    expect(headers.get('authorization')).toBe(`Bearer ${aliceAfter.access_token}`);
    expect(await tokensOf(id, bob)).toEqual(bobFirst);
    const bobHeaders = new Headers();
    await t.app.services.oauthTokens.authForUser(row, bob.id)?.authorize(bobHeaders);
    expect(await whoAmI(bobHeaders.get('authorization'))).toBe('bob-at-provider');
    const refreshed = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user_credential.token_refreshed')
      .where('target_id', '=', `${id}:${alice.id}`)
      .execute();
    expect(refreshed).toEqual([expect.objectContaining({ actor_type: 'system' })]);

    // Bob revokes the app at the provider: his credential expires, the connection itself does not fail.
    await (await provider.AccessToken.find(String(bobFirst.access_token)))?.destroy();
    await (await provider.RefreshToken.find(String(bobFirst.refresh_token)))?.destroy();
    expect(await t.app.services.oauthTokens.authForUser(row, bob.id)?.refreshAfterUnauthorized()).toBe(false);
    expect(await credentialOf(id, bob.id)).toMatchObject({
      status: 'expired',
      error: expect.stringMatching(/invalid_grant/),
    });
    expect(await credentialOf(id, alice.id)).toMatchObject({ status: 'active', error: null });
    const connection = await rowOf(id);
    expect({ status: connection.status, health: connection.health }).toEqual({
      status: row.status,
      health: row.health,
    });
    const bobView = await call('GET', `/user/integrations/${id}/connection`, bob.auth);
    expect(bobView.json().data).toMatchObject({ connected: false, status: 'expired' });
    // A user without a credential gets no provider auth token.
    const nobody = new Headers();
    await t.app.services.oauthTokens.authForUser(row, outsider.id)?.authorize(nobody);
    expect(nobody.get('authorization')).toBeNull();
  });

  it('disconnect revokes the user’s tokens at the provider, then deletes them', async () => {
    const id = await createConnection();
    await connectAs(alice, id, 'alice-at-provider');
    await connectAs(bob, id, 'bob-at-provider');
    const tokens = await tokensOf(id, alice);
    const bobBefore = await credentialOf(id, bob.id);
    const { provider, hits } = oauthApp.fixture;
    const revocations = hits.get('POST /token/revocation') ?? 0;

    const res = await call('POST', `/user/integrations/${id}/disconnect`, alice.auth);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      connection_id: id,
      status: 'revoked',
      disconnected_at: clock.now().toISOString(),
      revocation: { status: 'revoked', error: null },
    });
    expect(hits.get('POST /token/revocation')).toBe(revocations + 2);
    expect(await provider.AccessToken.find(String(tokens.access_token))).toBeUndefined();
    expect(await provider.RefreshToken.find(String(tokens.refresh_token))).toBeUndefined();
    expect(await credentialOf(id, alice.id)).toMatchObject({
      secrets: null,
      status: 'revoked',
      expires_at: null,
    });
    expect(await credentialOf(id, bob.id)).toEqual(bobBefore);

    const mine = await call('GET', `/user/integrations/${id}/connection`, alice.auth);
    expect(mine.json().data).toMatchObject({ connected: false, status: 'revoked', expires_at: null });
    const audits = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user_credential.disconnected')
      .where('target_id', '=', `${id}:${alice.id}`)
      .execute();
    expect(audits).toEqual([expect.objectContaining({ actor_type: 'user', actor_id: alice.id })]);

    // Deleting the connection deletes what users stored for it.
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/integration-connections/${id}`,
      headers: bob.auth,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await credentialOf(id, bob.id)).toBeUndefined();
  });

  it('rotate-key re-encrypts users’ credentials too, still bound to their user', async () => {
    const id = await createConnection();
    await connectAs(alice, id, 'alice-at-provider');
    const tokens = await tokensOf(id, alice);
    const rotated = new SecretBox(
      new KeyRing(Buffer.alloc(32, 9), [Buffer.from(TEST_ENCRYPTION_KEY, 'base64')]),
    );

    const result = await reencryptSecrets(db(), rotated);
    expect(result.failed).toBe(0);
    const row = await credentialOf(id, alice.id);
    expect(rotated.isCurrent(row?.secrets ?? '')).toBe(true);
    expect(new ConnectionSecrets(rotated).open(alice.orgId, id, row?.secrets ?? null, alice.id)).toEqual(
      tokens,
    );
  });
});

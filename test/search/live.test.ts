/**
 * Live search through the API: connectors' hits merged with the stored records, a search that runs
 * out of time or fails reported as partial (the stored matches still answered), and user-scoped
 * credentials: a user who connected their own credential searches with it, nobody else does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import { ProviderError, type ProviderResponse } from '../../src/connectors/sdk.js';
import { type TestApp, testApp } from '../helpers/app.js';
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
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';
import { BrokenConnector, HangingConnector, InstantConnector } from './live-connectors.js';

const TIMEOUT_MS = 250;

describe('live search', () => {
  const instant = new InstantConnector([{ id: 'i1', data: { id: 'i1', title: 'Stored hedgehog', v: 1 } }]);
  const hanging = new HangingConnector([{ id: 'h1', data: { id: 'h1', title: 'Hanging hedgehog' } }]);
  const broken = new BrokenConnector([{ id: 'b1', data: { id: 'b1', title: 'Broken hedgehog' } }]);
  let t: TestApp;
  let user: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  const ids = { instant: '', hanging: '', broken: '' };

  const search = async (body: Record<string, unknown>) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/search',
      headers: user.auth,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  };

  beforeAll(async () => {
    t = await testApp({
      connectors: [...connectors, instant, hanging, broken],
      worker: true,
      queueBackend: 'in-process',
      env: { ...SYNC_TEST_ENV, SWITCHBOARD_SEARCH_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    user = await seedUser(t, { role: 'it_admin' });
    h = syncHarness(t, user);
    for (const [name, slug] of [
      ['instant', 'live-instant'],
      ['hanging', 'live-hanging'],
      ['broken', 'live-broken'],
    ] as const) {
      ids[name] = await h.connected(slug, {});
      await h.settled(ids[name], await h.trigger(ids[name]));
    }
  });
  afterAll(() => t.close());

  it('interleaves a provider’s new records with the stored ones, its data winning for records in both', async () => {
    const found = await search({ query: 'hedgehog', integrations: [ids.instant], limit: 5 });
    expect(found.results.map((r: { id: string; source: string }) => [r.id, r.source])).toEqual([
      ['i1', 'live'],
      ['fresh', 'live'],
    ]);
    expect(found.results[0]).toMatchObject({
      title: 'Stored hedgehog',
      data: { v: 2 },
      score: expect.any(Number),
    });
    expect(found.results[1]).toMatchObject({ title: 'Fresh hedgehog', score: null, updated_at: null });
    expect(found).toMatchObject({ total: 2, has_more: false, partial: false });
    expect(found.integration_status[ids.instant]).toMatchObject({ total: 2, live: 'complete' });
    // Asked for one more than the page, to know whether there is more.
    expect(instant.queries.at(-1)).toEqual({ text: 'hedgehog', limit: 6 });

    // Pages of one: the stored match, then the provider's new record; the provider has more.
    const first = await search({ query: 'hedgehog', integrations: [ids.instant], limit: 1 });
    expect(first.results.map((r: { id: string }) => r.id)).toEqual(['i1']);
    expect([first.total, first.has_more]).toEqual([2, true]);
    const second = await search({ query: 'hedgehog', integrations: [ids.instant], limit: 1, offset: 1 });
    expect(second.results.map((r: { id: string }) => r.id)).toEqual(['fresh']);
    expect(instant.queries.at(-1)).toEqual({ text: 'hedgehog', limit: 3 });
  });

  it('answers with the stored matches when a live search runs out of time, marked partial', async () => {
    const found = await search({ query: 'hedgehog', integrations: [ids.hanging, ids.instant] });
    expect(found.partial).toBe(true);
    expect(found.integration_status[ids.hanging]).toMatchObject({ total: 1, live: 'timed_out' });
    expect(found.integration_status[ids.instant]).toMatchObject({ live: 'complete' });
    expect(
      found.by_integration[ids.hanging].map((r: { id: string; source: string }) => [r.id, r.source]),
    ).toEqual([['h1', 'stored']]);
    // Its requests were told to stop.
    expect(hanging.abortedWith).toMatchObject({ name: 'TimeoutError' });

    const single = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${ids.hanging}/search?query=hedgehog`,
      headers: user.auth,
    });
    expect(single.json().data).toMatchObject({ partial: true, live: 'timed_out', total: 1 });
  });

  it('answers with the stored matches when a live search fails, marked partial', async () => {
    const found = await search({ query: 'hedgehog', integrations: [ids.broken] });
    expect(found).toMatchObject({ partial: true, total: 1 });
    expect(found.integration_status[ids.broken]).toMatchObject({ live: 'failed' });
    expect(found.results.map((r: { id: string }) => r.id)).toEqual(['b1']);
  });

  it('skips the live search of a disabled connection, and of any search with a date range', async () => {
    const before = instant.queries.length;
    const dated = await search({
      query: 'hedgehog',
      integrations: [ids.instant],
      filters: { date_range: { start: '2000-01-01T00:00:00Z' } },
    });
    expect(dated.integration_status[ids.instant].live).toBe('none');
    const disabled = await h.call('POST', `/integration-connections/${ids.instant}/disable`, {});
    expect(disabled.statusCode, disabled.body).toBe(200);
    const off = await search({ query: 'hedgehog', integrations: [ids.instant] });
    expect(off.results.map((r: { id: string; source: string }) => [r.id, r.source])).toEqual([
      ['i1', 'stored'],
    ]);
    expect(instant.queries.length).toBe(before);
  });
});

describe('live search with user-scoped credentials (against oidc-provider)', () => {
  let oauthApp: OAuthApp;
  let t: TestApp;
  let api: ResourceApi;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let connection: string;

  /** Searches live as whoever the token belongs to at the provider. */
  const whoAmIConnector = (issuer: string) => ({
    ...oauthConnector({
      slug: 'fixture-search',
      capabilities: ['search'],
      oauth: { authorizationUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token`, scopes: ['repo.read'] },
    }),
    async search(ctx: { fetch(path: string): Promise<ProviderResponse> }) {
      const res = await ctx.fetch('/me');
      if (!res.ok) throw new ProviderError('authentication', 'refused', { httpStatus: res.status });
      const { sub } = await res.json<{ sub: string }>();
      return [{ entity: 'accounts', id: sub, title: sub, data: { sub } }];
    },
  });

  const liveIds = async (as: SeededUser) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/search',
      headers: as.auth,
      payload: { query: 'me', integrations: [connection] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    return {
      ids: data.results.map((r: { id: string }) => r.id),
      live: data.integration_status[connection].live,
    };
  };

  beforeAll(async () => {
    oauthApp = await startOAuthApp({ connectors: (issuer) => [whoAmIConnector(issuer)] });
    t = oauthApp.t;
    api = await startResourceApi(oauthApp.fixture);
    bob = await seedUser(t, { role: 'tenant_admin' });
    alice = await seedUser(t, { orgId: bob.orgId, role: 'compliance_manager' });
    carol = await seedUser(t, { orgId: bob.orgId, role: 'compliance_manager' });
    const definition = await t.ctx.database.db
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', 'fixture-search')
      .executeTakeFirstOrThrow();
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: bob.auth,
      payload: {
        definition_id: definition.id,
        name: 'Personal search',
        config: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, base_url: api.baseUrl },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    connection = created.json().data.id;
    for (const [user, account] of [
      [alice, 'alice-at-provider'],
      [bob, 'bob-at-provider'],
    ] as const) {
      oauthApp.fixture.owner.account = account;
      await connectThroughOAuth(oauthApp, `/api/v1/user/integrations/${connection}/connect/oauth`, user.auth);
    }
  });
  afterAll(async () => {
    await api?.close();
    await oauthApp?.close();
  });

  it('searches with the caller’s own credential, and never with another user’s', async () => {
    expect(await liveIds(alice)).toEqual({ ids: ['alice-at-provider'], live: 'complete' });
    expect(await liveIds(bob)).toEqual({ ids: ['bob-at-provider'], live: 'complete' });
    // Carol has none of her own, and the connection none either: the provider refuses her.
    const seenBefore = api.seen.length;
    expect(await liveIds(carol)).toEqual({ ids: [], live: 'failed' });
    expect(api.seen.slice(seenBefore)).toEqual([{ token: undefined, status: 401 }]);
  });
});

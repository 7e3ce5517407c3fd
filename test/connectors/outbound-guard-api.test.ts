import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PagedProvider, startPagedProvider } from '../fakes/paged-provider.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

/** With private networks refused (the default), a tenant cannot point a connection at internal hosts. */
describe('the SSRF guard through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let provider: PagedProvider;

  beforeAll(async () => {
    t = await testApp({
      connectors: syncConnectors,
      env: { ...SYNC_TEST_ENV, SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'false' },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
    provider = await startPagedProvider({ total: 10, token: 'tok' });
  });
  afterAll(async () => {
    await provider.close();
    await t.close();
  });

  const create = async (baseUrl: string) =>
    h.call('POST', '/integration-connections', {
      definition_id: await h.definitionId('paged-fake'),
      name: `Guarded ${baseUrl}`,
      config: { base_url: baseUrl, api_token: 'tok' },
    });

  it.each([
    ['loopback', () => provider.url],
    ['a name resolving to loopback', () => 'http://localhost:9/'],
    ['cloud metadata (link-local)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.1.2.3/'],
    ['IPv4-mapped loopback', () => 'http://[::ffff:127.0.0.1]:9/'],
  ])(
    'refuses a connection to %s at create: a 400 naming config.base_url, nothing stored',
    async (_what, url) => {
      const before = await t.ctx.database.db.selectFrom('integration_connections').select('id').execute();
      const res = await create(url());
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect(res.body).toContain('config.base_url');
      expect(res.body).toMatch(/SWITCHBOARD_ALLOW_PRIVATE_NETWORKS/);
      const after = await t.ctx.database.db.selectFrom('integration_connections').select('id').execute();
      expect(after).toHaveLength(before.length);
      expect(provider.requests).toHaveLength(0);
    },
  );

  it('refuses an update that points an existing connection at an internal host, keeping the old config', async () => {
    const created = await create('https://provider.invalid/');
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().data.id as string;
    const res = await h.call('PUT', `/integration-connections/${id}`, {
      config: { base_url: 'http://169.254.169.254/' },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.body).toContain('config.base_url');
    expect((await h.connection(id)).config).toMatchObject({ base_url: 'https://provider.invalid/' });
  });
});

/**
 * Integrations' icons by URL (integration-engine-api.md shows `"/icons/integrations/okta.svg"`): the
 * catalog and the dashboard name each icon by path, and the server answers that path with the SVG.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

describe('integration icons', () => {
  let t: TestApp;
  let admin: SeededUser;
  beforeAll(async () => {
    t = await testApp({ env: SYNC_TEST_ENV });
    admin = await seedUser(t, { role: 'it_admin' });
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });

  it("serves every built-in connector's icon as SVG, public, cached with a validator", async () => {
    for (const { definition } of connectors) {
      const url = `/icons/integrations/${definition.slug}.svg`;
      expect(definition.iconUrl).toBe(url);
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('image/svg+xml');
      expect(res.body, url).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(res.headers['cache-control'], url).toBe('public, max-age=86400');
      expect(res.headers['content-security-policy'], url).toContain('sandbox');
      expect(res.headers['content-security-policy'], url).toContain("default-src 'none'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      const etag = String(res.headers.etag);
      expect(etag, url).toMatch(/^"[\w-]+"$/);
      const again = await get(url, { 'if-none-match': etag });
      expect(again.statusCode, url).toBe(304);
      expect(again.body, url).toBe('');
      expect((await get(url, { 'if-none-match': '"other"' })).statusCode, url).toBe(200);
    }
  });

  it('answers 404 in the envelope for an unknown slug or a file that is not an icon', async () => {
    for (const url of [
      '/icons/integrations/no-such-connector.svg',
      '/icons/integrations/okta.png',
      '/icons/integrations/..%2Fokta.svg',
    ]) {
      const res = await get(url, { accept: 'text/html' });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
  });

  it('names icons by path in the catalog and on the dashboard, not inline', async () => {
    const catalog = await get('/api/v1/integrations?per_page=100', admin.auth);
    expect(catalog.statusCode, catalog.body).toBe(200);
    const entries = catalog.json().data as { slug: string; icon_url: string }[];
    expect(entries.find((e) => e.slug === 'okta')?.icon_url).toBe('/icons/integrations/okta.svg');
    for (const entry of entries)
      expect(entry.icon_url, entry.slug).toMatch(/^\/icons\/integrations\/[\w-]+\.svg$/);

    await syncHarness(t, admin).create('demo', { api_token: 'x', users: 1 }, { name: 'Icons' });
    const dashboard = await get('/api/v1/integrations/dashboard', admin.auth);
    expect(dashboard.statusCode, dashboard.body).toBe(200);
    expect(dashboard.json().data.connections).toEqual([
      expect.objectContaining({ name: 'Icons', integration_icon_url: '/icons/integrations/demo.svg' }),
    ]);
  });

  it("keeps a custom entry's own icon URL, and gives one made without it its connector's icon", async () => {
    const root = await seedUser(t, { superAdmin: true });
    const create = (slug: string, extra: Record<string, unknown> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/admin/integrations',
        headers: root.auth,
        payload: { connector: 'okta', slug, name: `Okta ${slug}`, short_description: 'A tenant', ...extra },
      });
    const own = await create('okta-eu', { icon_url: 'https://cdn.example.com/okta-eu.svg' });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json().data.icon_url).toBe('https://cdn.example.com/okta-eu.svg');
    const inherited = await create('okta-us');
    expect(inherited.statusCode, inherited.body).toBe(201);
    expect(inherited.json().data.icon_url).toBe('/icons/integrations/okta.svg');
  });
});

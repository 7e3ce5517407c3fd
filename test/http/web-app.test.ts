import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/platform/http/security-headers.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { tempDir } from '../helpers/databases.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("dashboard");\n'.repeat(100);
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** A build as `npm run build` leaves it: index.html, hashed assets, a top-level file. */
function fakeBuild(): string {
  const dir = tempDir('switchboard-web-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b3c.js'), SCRIPT);
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('the dashboard, served at /', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = fakeBuild();
    t = await testApp({ env: { SWITCHBOARD_WEB_DIR: dir } });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves hashed assets cached for good', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(SCRIPT);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('serves assets and pages compressed to a browser that accepts it, headers kept', async () => {
    const asset = await t.app.inject({
      method: 'GET',
      url: '/assets/app-1a2b3c.js',
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-encoding']).toBe('br');
    expect(asset.headers.vary).toMatch(/accept-encoding/i);
    expect(zlib.brotliDecompressSync(asset.rawPayload).toString()).toBe(SCRIPT);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const page = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { ...HTML, 'accept-encoding': 'gzip' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(page.rawPayload).toString()).toBe(INDEX);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
  });

  it('answers a missing asset 404, not the page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/app-gone.js', headers: HTML });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('serves index.html at / revalidated on every load, with a policy that lets the app run', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://localhost:8090");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toBe(securityHeaders()['content-security-policy']);
    // Revalidation is cheap: an unchanged index answers 304.
    const again = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { ...HTML, 'if-none-match': String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('answers client-side routes with index.html', async () => {
    for (const url of [
      '/connections',
      '/connections/0190a0b2-7c3e-7000-8000-000000000001/runs?page=2',
      '/index.html',
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('serves the build’s top-level files', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('leaves the API, its reference and system routes as they are', async () => {
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/unknown', headers: HTML });
    expect(api.statusCode).toBe(404);
    expect(api.json().error).toMatchObject({ code: 'NOT_FOUND' });
    expect(api.headers['content-security-policy']).toBe(securityHeaders()['content-security-policy']);
    const system = await t.app.inject({ method: 'GET', url: '/healthz/more', headers: HTML });
    expect(system.statusCode).toBe(404);
    expect(system.json().error.code).toBe('NOT_FOUND');
    const docs = await t.app.inject({ method: 'GET', url: '/docs/nothing-here', headers: HTML });
    expect(docs.body).not.toBe(INDEX);
    const health = await t.app.inject({ method: 'GET', url: '/healthz', headers: HTML });
    expect(health.statusCode).toBe(200);
    // HEAD follows GET, for the app and for the rest.
    expect((await t.app.inject({ method: 'HEAD', url: '/', headers: HTML })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'HEAD', url: '/api/v1/unknown', headers: HTML })).statusCode).toBe(
      404,
    );
  });

  it('answers what is not a page request (no text/html, not GET) with the JSON 404', async () => {
    const json = await t.app.inject({
      method: 'GET',
      url: '/connections',
      headers: { accept: 'application/json' },
    });
    expect(json.statusCode).toBe(404);
    expect(json.json().error.code).toBe('NOT_FOUND');
    const post = await t.app.inject({ method: 'POST', url: '/connections', headers: HTML, payload: {} });
    expect(post.statusCode).toBe(404);
    expect(post.json().error.code).toBe('NOT_FOUND');
  });

  it('refuses paths that climb out of the build', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/..%2f..%2fetc%2fpasswd' });
    expect([403, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain('root:');
  });
});

describe('the dashboard without a build', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_WEB_DIR: path.join(tempDir(), 'not-built') } });
  });
  afterAll(() => t.close());

  it('answers pages with a note saying how to build it, not the JSON 404', async () => {
    for (const url of ['/', '/connections']) {
      const res = await t.app.inject({ method: 'GET', url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.body, url).toContain('npm run build');
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
    const asset = await t.app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js' });
    expect(asset.statusCode).toBe(404);
  });
});

describe('worker processes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ surface: 'ops', env: { SWITCHBOARD_WEB_DIR: fakeBuild() } });
  });
  afterAll(() => t.close());

  it('serve no dashboard', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.statusCode).toBe(404);
  });
});

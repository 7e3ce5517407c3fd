import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/platform/http/security-headers.js';
import { type TestApp, testApp } from '../helpers/app.js';

describe('content security policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('is ours on API responses, and the reference page’s own only under /docs', async () => {
    const ours = securityHeaders()['content-security-policy'];
    const api = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(api.headers['content-security-policy']).toBe(ours);
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(missing.headers['content-security-policy']).toBe(ours);
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toBeDefined();
  });
});

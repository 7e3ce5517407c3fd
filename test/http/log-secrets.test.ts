import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSecretParams } from '../../src/platform/http/request-observer.js';
import { REDACTED } from '../../src/platform/logging/logger.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { seedUser } from '../helpers/identity.js';

// The invitation token is a bearer secret carried in the path: whoever reads it from a log line can
// join the organisation. No line may carry it, whatever the request's outcome.
describe('secrets in the URL path stay out of the logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(() => t.close());

  let address = 0;
  // Each case its own caller, so the accept limit counts only that case's requests.
  const freshIp = () => `10.13.0.${++address}`;

  async function invite(): Promise<string> {
    const admin = await seedUser(t);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: admin.auth,
      payload: { email: `invitee-${address}-${Date.now()}@example.com`, role: 'member' },
    });
    expect(res.statusCode).toBe(201);
    return res.json().data.token;
  }

  const accept = (token: string, remoteAddress: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${token}/accept`,
      payload: { password: 'a long enough password', name: 'Invitee' },
      remoteAddress,
    });

  /** The request lines of the accept route: they exist, and none carries the token. */
  function expectMasked(token: string): void {
    expect(t.logs.text()).not.toContain(token);
    const lines = t.logs.lines.filter((l) => String(l.url).startsWith('/api/v1/invitations/'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.url).toBe(`/api/v1/invitations/${REDACTED}/accept`);
  }

  it('after a successful accept', async () => {
    const token = await invite();
    const res = await accept(token, freshIp());
    expect(res.statusCode).toBe(200);
    expectMasked(token);
  });

  it('after a failed accept: the token already used, or never issued', async () => {
    const token = await invite();
    const ip = freshIp();
    expect((await accept(token, ip)).statusCode).toBe(200);
    const used = await accept(token, ip);
    expect(used.statusCode).toBe(404);
    expect(used.json().error.code).toBe('INVITATION_NOT_FOUND');
    const unknown = 'never-issued-invitation-token-0123456789';
    expect((await accept(unknown, ip)).statusCode).toBe(404);
    expectMasked(token);
    expectMasked(unknown);
  });

  it('after the accept limit refuses with 429', async () => {
    const token = await invite();
    const ip = freshIp();
    const statuses: number[] = [];
    // ACCEPT_INVITATION allows 10 a minute per caller; the token stays unused by posting no password.
    for (let i = 0; i < 11; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/invitations/${token}/accept`,
        payload: {},
        remoteAddress: ip,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, 10)).not.toContain(429);
    expectMasked(token);
  });

  it('refuses to start with a secretParams naming no path parameter of its route', async () => {
    const app = Fastify();
    app.addHook('onRoute', checkSecretParams);
    const start = async () => {
      app.get('/links/:token', { config: { secretParams: ['tokn'] } }, async () => ({}));
      await app.ready();
    };
    await expect(start()).rejects.toThrow("/links/:token: secretParams names 'tokn'");
    await app.close();
  });

  it('keeps masking secret-looking query parameters', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/teams?access_token=qs-secret-value-42' });
    expect(t.logs.text()).not.toContain('qs-secret-value-42');
  });
});

/**
 * A provider's own scheme end to end through the public API: GitHub signs a `repository` event with
 * the webhook's secret (as GitHub does, made by @octokit/webhooks-methods), the receiver verifies
 * it, and the processor stores the repository as the next sync would.
 */
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg, ownerToken } from '../fakes/github/model.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github/server.js';
import { verificationRequest } from '../fakes/okta/event-hooks.js';
import { SIGNING_SECRET, signedRequest, urlVerification } from '../fakes/slack/events.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

const OWNER = ownerToken();

describe('GitHub webhooks through the receiver', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let fake: FakeGitHub;

  beforeAll(async () => {
    fake = await startFakeGitHub({
      org: generateOrg({ repos: 12, members: 5, outsideCollaborators: 1 }),
      tokens: [OWNER],
    });
    t = await testApp({ worker: true, queueBackend: 'in-process', env: SYNC_TEST_ENV });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('verifies GitHub’s signature and stores the archived repository as the next sync would', async () => {
    const id = await h.connected('github', {
      token: OWNER.token,
      organization: 'acme-corp',
      base_url: fake.url,
    });
    expect((await h.settled(id, await h.trigger(id, { full_sync: true }))).status).toBe('completed');
    const hook = await h.call('POST', `/integration-connections/${id}/webhooks`, { name: 'GitHub' });
    expect(hook.statusCode, hook.body).toBe(201);
    const { id: webhookId, webhook_secret: secret, scheme, signature_header } = hook.json().data;
    expect({ scheme, signature_header }).toEqual({
      scheme: 'github',
      signature_header: 'X-Hub-Signature-256',
    });

    const target = fake.org.repos[3]!;
    target.archived = true;
    const body = JSON.stringify({
      action: 'archived',
      repository: {
        id: target.id,
        name: target.name,
        full_name: `${fake.org.login}/${target.name}`,
        private: target.visibility !== 'public',
        owner: { login: fake.org.login, id: fake.org.id, type: 'Organization' },
        default_branch: target.defaultBranch,
        archived: true,
      },
      organization: { login: fake.org.login, id: fake.org.id },
      sender: { login: 'octo-admin', id: 5000, type: 'User' },
    });
    const deliver = async (signature: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/webhooks/receive/${webhookId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'repository',
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          'x-hub-signature-256': signature,
        },
        payload: body,
      });
    expect((await deliver(await sign('not-the-secret', body))).statusCode).toBe(401);
    const accepted = await deliver(await sign(secret, body));
    expect(accepted.statusCode, accepted.body).toBe(200);
    await t.app.services.webhookProcessor.idle();

    const event = await h.call(
      'GET',
      `/integration-connections/${id}/webhooks/${webhookId}/events/${accepted.json().event_id}`,
    );
    expect(event.json().data).toMatchObject({ status: 'processed', event_type: 'repository.archived' });
    const stored = (await h.records(id)).find(
      (r) => r.entity === 'repositories' && r.data.name === target.name,
    );
    expect(stored?.data).toMatchObject({ archived: true });
    expect(stored?.last_seen_run_id).toBe(accepted.json().event_id);
    // The next full sync agrees.
    expect((await h.settled(id, await h.trigger(id, { full_sync: true }))).status).toBe('completed');
    const synced = (await h.records(id)).find(
      (r) => r.entity === 'repositories' && r.data.name === target.name,
    );
    expect(synced?.data).toEqual(stored?.data);
  });

  // Nothing is called at the provider: these connections point at a closed port.
  const nowhere = 'http://127.0.0.1:9/';

  it('answers Slack’s signed url_verification with its challenge, with the signing secret Slack issued', async () => {
    const id = await h.create('slack', { bot_token: 'xoxb-not-called', base_url: nowhere });
    const hook = await h.call('POST', `/integration-connections/${id}/webhooks`, {
      name: 'Slack events',
      webhook_secret: SIGNING_SECRET,
    });
    expect(hook.json().data).toMatchObject({ scheme: 'slack', webhook_secret: SIGNING_SECRET });
    const request = signedRequest(urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'), {
      at: new Date(),
    });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/receive/${hook.json().data.id}`,
      headers: request.headers,
      payload: request.body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    // A handshake is not an event.
    const events = await h.call(
      'GET',
      `/integration-connections/${id}/webhooks/${hook.json().data.id}/events`,
    );
    expect(events.json().pagination.total).toBe(0);
  });

  it('answers Okta’s one-time verification GET when it carries the shared secret', async () => {
    const id = await h.create('okta', {
      domain: 'acme.okta.com',
      api_token: 'not-called',
      base_url: nowhere,
    });
    const hook = await h.call('POST', `/integration-connections/${id}/webhooks`, { name: 'Okta event hook' });
    const { id: webhookId, webhook_secret: secret, scheme } = hook.json().data;
    expect(scheme).toBe('okta');
    const verify = (with_: string) => {
      const request = verificationRequest(with_, 'ZU3EE9s1sRdfzS5ys2UHRE1zFHaW3nqSMb9FwOHMYQj');
      return t.app.inject({
        method: 'GET',
        url: `/api/v1/webhooks/receive/${webhookId}`,
        headers: request.headers,
      });
    };
    const answered = await verify(secret);
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json()).toEqual({ verification: 'ZU3EE9s1sRdfzS5ys2UHRE1zFHaW3nqSMb9FwOHMYQj' });
    expect((await verify('whsec_wrong')).statusCode).toBe(401);
  });
});

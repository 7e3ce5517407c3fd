/**
 * The Slack connector end to end through the public API, against the fake Slack workspace: connect
 * with a bot token, test a good, a revoked and an under-scoped token, sync, incremental re-sync, a
 * 429 and an outage survived, cancel mid-sync, and the preview (endpoint #25) equal to the fake's
 * ground truth. Then Slack's OAuth v2 install flow, with the definition's endpoints at the fake.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SlackConfig, slackConnector, slackDefinition } from '../../src/connectors/slack/index.js';
import {
  BOT_SCOPES,
  BOT_TOKEN,
  type FakeSlack,
  REVOKED_TOKEN,
  startFakeSlack,
} from '../fakes/slack/server.js';
import { expectedPreview } from '../fakes/slack/truth.js';
import { visibleChannels } from '../fakes/slack/workspace.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { browse, CALLBACK_PATH, freePort, RETURN_ORIGIN } from '../helpers/oauth-provider.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

describe('slack through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let slack: FakeSlack;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: {
        ...SYNC_TEST_ENV,
        SWITCHBOARD_SYNC_RETRY_BASE_MS: '10000',
        SWITCHBOARD_SYNC_MAX_RETRIES: '2',
      },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  beforeEach(async () => {
    await slack?.close();
    slack = await startFakeSlack({ members: 430, channels: 36 });
  });
  afterAll(async () => {
    await slack.close();
    await t.close();
  });

  const config = (bot_token = BOT_TOKEN): SlackConfig => ({ bot_token, base_url: slack.url });
  const connected = () => h.connected('slack', config());
  const truth = () => ({
    users: slack.data.members.length,
    channels: visibleChannels(slack.data, slack.data.bot.userId).length,
    workspace: 1,
  });

  it('tests a good bot token: the workspace, the bot and the scopes it was granted', async () => {
    const id = await h.create('slack', config());
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({
      test_result: 'success',
      message: 'Successfully authenticated with Slack as switchboard in Acme (acme.slack.com).',
      health: 'healthy',
      details: {
        team: { id: slack.data.team.id, name: 'Acme', domain: 'acme' },
        permissions_verified: BOT_SCOPES,
        missing_scopes: [],
      },
    });
    expect(data.details.provider_response_time_ms).toEqual(expect.any(Number));
    expect(slack.requests.map((r) => [r.method, r.token])).toEqual([
      ['auth.test', BOT_TOKEN],
      ['team.info', BOT_TOKEN],
    ]);
    // The token is a secret: never shown back.
    const shown = await h.call('GET', `/integration-connections/${id}`);
    expect(shown.body).not.toContain(BOT_TOKEN);
  });

  it('tests a revoked token as the spec’s auth_error with Slack’s code', async () => {
    const id = await h.create('slack', config(REVOKED_TOKEN));
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.json().data).toMatchObject({
      test_result: 'failed',
      message:
        'Authentication failed: Slack refused the token (token_revoked). Check the bot token, or connect with OAuth again.',
      details: { error_type: 'auth_error', provider_message: 'token_revoked' },
      status: 'error',
      health: 'unhealthy',
    });
  });

  it('tests a token without the scopes a sync needs as a permission_error', async () => {
    slack.tokens.push({ token: 'xoxb-chat-only', scopes: ['chat:write'], userId: slack.data.bot.userId });
    const id = await h.create('slack', config('xoxb-chat-only'));
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.json().data).toMatchObject({
      test_result: 'failed',
      details: { error_type: 'permission_error', provider_message: expect.stringContaining('users:read') },
    });
  });

  it('syncs members, channels and the workspace; the preview equals the fake’s truth; re-syncs what changed', async () => {
    const id = await connected();
    const before = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(before.statusCode).toBe(422);

    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    const total = truth().users + truth().channels + 1;
    expect(run.stats).toMatchObject({
      items_synced: total,
      items_created: total,
      items_failed: 0,
      evidence_collected: 2,
    });
    expect(await h.entityCounts(id)).toEqual(truth());

    const res = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      provider: 'slack',
      preview: expectedPreview(slack.data),
      last_synced_at: expect.any(String),
    });

    // Incremental: Slack has no "changed since" filter, so everything is listed again and only
    // what changed is stored as updated.
    const promoted = slack.data.members.find((m) => m.name === 'user5')!;
    promoted.is_admin = true;
    const seen = slack.requests.length;
    const next = await h.settled(id, await h.trigger(id));
    expect(next.status).toBe('completed');
    expect(next.stats).toMatchObject({ items_updated: 1, items_created: 0, items_deleted: 0 });
    const listings = slack.requests.slice(seen).filter((r) => r.method === 'users.list');
    expect(listings[0]?.params.cursor).toBeUndefined();
    const stored = (await h.records(id)).find((r) => r.external_id === promoted.id)!;
    expect(stored.data).toMatchObject({ is_admin: true });
    const after = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(after.json().data.preview.members.admins).toBe(expectedPreview(slack.data).members.admins);
  });

  it('survives a 429 (waits for Retry-After) and retries an outage as a new attempt', async () => {
    const id = await connected();
    slack.failNext({ method: 'users.list', status: 429, retryAfter: 1 });
    const seen = slack.requests.length;
    const first = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(first.status, first.error_message ?? '').toBe('completed');
    const listings = slack.requests.slice(seen).filter((r) => r.method === 'users.list');
    expect(listings.map((r) => r.status)).toEqual([429, 200, 200, 200]);

    slack.failNext({ method: 'conversations.list', status: 503 });
    const runId = await h.trigger(id, { full_sync: true });
    const waiting = await vi.waitFor(
      async () => {
        const run = await h.run(id, runId);
        if (run.status !== 'pending' || run.retry_count !== 1) throw new Error(`run is ${run.status}`);
        return run;
      },
      { timeout: 10_000, interval: 5 },
    );
    expect(waiting.error_message).toBe('Listing Slack channels (conversations.list) failed: HTTP 503');
    clock.advance(Date.parse(waiting.next_attempt_at as string) - clock.now().getTime());
    await t.worker?.tick();
    const done = await h.settled(id, runId);
    expect(done.status).toBe('completed');
    expect(await h.entityCounts(id)).toEqual(truth());
  });

  it('posts a message through the API’s postMessage action, and answers Slack’s refusals as the provider’s', async () => {
    const id = await connected();
    const bot = slack.data.bot.userId;
    const inside = slack.data.channels.find((c) => c.members.includes(bot) && !c.is_archived)!;
    const outside = slack.data.channels.find(
      (c) => !c.is_private && !c.is_archived && !c.members.includes(bot),
    )!;
    const run = (input: object) =>
      h.call('POST', `/integration-connections/${id}/actions/postMessage`, { input });

    const listed = await h.call('GET', `/integration-connections/${id}/actions`);
    expect(listed.json().data.map((a: { name: string }) => a.name)).toEqual(['postMessage']);

    const posted = await run({ channel: inside.id, text: 'Okta sync failed' });
    expect(posted.statusCode, posted.body).toBe(200);
    expect(posted.json().data).toMatchObject({
      action: 'postMessage',
      output: { channel: inside.id, ts: expect.stringMatching(/^\d+\.\d{6}$/) },
    });
    expect(slack.data.messages).toEqual([
      expect.objectContaining({ channel: inside.id, text: 'Okta sync failed' }),
    ]);

    const refused = await run({ channel: outside.id, text: 'hello' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'ACTION_REJECTED',
      message: `postMessage: Posting a message to ${outside.id} failed: The app is not a member of channel ${outside.id}: invite it to the channel first (not_in_channel)`,
      details: { failure_class: 'validation', provider_message: 'not_in_channel' },
    });

    // Neither text nor blocks: the action's schema refuses it before Slack is asked.
    const calls = slack.requests.length;
    expect((await run({ channel: inside.id })).statusCode).toBe(400);
    expect(slack.requests).toHaveLength(calls);
  });

  it('cancels a sync held mid-way: the request is dropped and the run ends cancelled', async () => {
    const id = await connected();
    const held = slack.hold('conversations.list');
    const seen = slack.requests.length;
    const runId = await h.trigger(id, { full_sync: true });
    await held;
    // The members are stored while the channels' request is held.
    await vi.waitFor(async () => expect((await h.run(id, runId)).stats.items_synced).toBe(truth().users), {
      timeout: 5000,
      interval: 5,
    });
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('cancelled');
    await vi.waitFor(() => expect(slack.abandoned).toEqual(['conversations.list']), {
      timeout: 5000,
      interval: 5,
    });
    slack.release();
    expect((await h.run(id, runId)).status).toBe('cancelled');
    // The members listed before the cancel stay; nothing after it was asked for.
    expect(await h.entityCounts(id)).toEqual({ users: truth().users });
    expect(slack.requests.slice(seen).filter((r) => r.method === 'team.info')).toEqual([]);
  });
});

describe('slack through the API: OAuth v2 install', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let slack: FakeSlack;
  let publicUrl: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ members: 40, channels: 8 });
    // The built-in definition's endpoints are Slack's own: this build's points them at the fake.
    const onFake = {
      ...slackConnector,
      definition: {
        ...slackDefinition,
        oauth: {
          ...slackDefinition.oauth!,
          authorizationUrl: `${slack.origin}/oauth/v2/authorize`,
          tokenUrl: `${slack.url}oauth.v2.access`,
          scopes: [...BOT_SCOPES],
        },
      },
    };
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    t = await testApp({
      connectors: [onFake],
      env: {
        ...SYNC_TEST_ENV,
        SWITCHBOARD_PUBLIC_URL: publicUrl,
        SWITCHBOARD_OAUTH_RETURN_ORIGINS: RETURN_ORIGIN,
      },
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  afterAll(async () => {
    await t.close();
    await slack.close();
  });

  const oauthConfig = () => ({
    client_id: slack.oauth.app.clientId,
    client_secret: slack.oauth.app.clientSecret,
    base_url: slack.url,
  });

  async function start(id: string): Promise<URL> {
    const res = await h.call('POST', `/integration-connections/${id}/connect/oauth`, {
      return_url: `${RETURN_ORIGIN}/integrations/done`,
    });
    expect(res.statusCode, res.body).toBe(200);
    return new URL(res.json().data.authorization_url);
  }

  it('starts the install at the definition’s authorize endpoint with the app’s client id and the bot scopes', async () => {
    const id = await h.create('slack', oauthConfig());
    const url = await start(id);
    expect(`${url.origin}${url.pathname}`).toBe(`${slack.origin}/oauth/v2/authorize`);
    expect(url.searchParams.get('client_id')).toBe(slack.oauth.app.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(`${publicUrl}${CALLBACK_PATH}`);
    const scopes = (url.searchParams.get('scope') ?? '').split(',');
    expect(scopes.sort()).toEqual([...BOT_SCOPES].sort());
  });

  /**
   * Slack's install: scopes comma-separated in the authorize URL, and oauth.v2.access answering
   * `token_type: "bot"` (the definition's `scopeSeparator` and `tokenTypes`).
   */
  it('connects by OAuth: the installed bot token authenticates the connection', async () => {
    const id = await h.create('slack', oauthConfig());
    const redirect = await browse((await start(id)).href, `${publicUrl}${CALLBACK_PATH}`);
    const back = await fetch(redirect, { redirect: 'manual' });
    const outcome = new URL(back.headers.get('location') ?? 'about:blank');
    expect(outcome.searchParams.get('status'), outcome.href).toBe('success');
    const tested = await h.call('POST', `/integration-connections/${id}/test`);
    expect(tested.json().data.test_result).toBe('success');
  });
});

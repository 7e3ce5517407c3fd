/**
 * The Slack connector through the test kit (the context the engine builds), against the fake Slack
 * workspace of test/fakes/slack: the Web API client going through the engine, test and health
 * check, cursor pagination and resuming, Slack's error codes, rate limits, evidence, the preview
 * against the fake's ground truth, and the postMessage action.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type StoredRecords, type SyncBatch } from '../../src/connectors/sdk.js';
import {
  type PostMessageInput,
  type SlackConfig,
  slackConnector,
  slackDefinition,
} from '../../src/connectors/slack/index.js';
import { apiBaseUrl } from '../../src/connectors/toolkit/context.js';
import { collectSync, type TestKit, testContext } from '../../src/connectors/toolkit/test-kit.js';
import { classify } from '../../src/modules/sync/engine/failure.js';
import { InvalidFieldsError } from '../../src/platform/errors.js';
import { type ProviderAuth, ProviderUnreachableError } from '../../src/platform/outbound/provider-fetch.js';
import { ProviderRateLimitedError } from '../../src/platform/outbound/rate-limit.js';
import {
  BOT_SCOPES,
  BOT_TOKEN,
  botToken,
  type FakeSlack,
  REVOKED_TOKEN,
  startFakeSlack,
} from '../fakes/slack/server.js';
import { activePeople, expectedPreview, withoutTwoFactor } from '../fakes/slack/truth.js';
import { visibleChannels } from '../fakes/slack/workspace.js';

const Ajv2020 = Ajv2020Module.default;

let slack: FakeSlack;

function kit(config: Partial<SlackConfig> = {}, options: Parameters<typeof testContext>[2] = {}) {
  return testContext(slackConnector, { bot_token: BOT_TOKEN, base_url: slack.url, ...config }, options);
}

/** A token the fake knows, with these scopes, acting as `userId` (the bot unless said). */
function token(name: string, scopes: string[], userId = slack.data.bot.userId): string {
  slack.tokens.push({ token: name, scopes, userId });
  return name;
}

/** Each entity's records as the engine would store them (last write wins by id). */
function stored(batches: SyncBatch[]): Map<string, Map<string, Record<string, unknown>>> {
  const byEntity = new Map<string, Map<string, Record<string, unknown>>>();
  for (const batch of batches) {
    const records = byEntity.get(batch.entity) ?? new Map<string, Record<string, unknown>>();
    for (const record of batch.records) records.set(record.id, record.data);
    byEntity.set(batch.entity, records);
  }
  return byEntity;
}

function storedRecords(batches: SyncBatch[]): StoredRecords {
  const byEntity = stored(batches);
  return {
    async *each(entity: string) {
      yield* byEntity.get(entity)?.values() ?? [];
    },
  };
}

const methodsCalled = (k: TestKit<SlackConfig>) => k.requests.map((r) => r.path);
const calls = (method: string) => slack.requests.filter((r) => r.method === method);
const evidenceOf = (batches: SyncBatch[]) => batches.flatMap((b) => b.evidence ?? []);

beforeEach(async () => {
  slack = await startFakeSlack({ members: 450, channels: 40 });
});
afterEach(async () => {
  await slack.close();
});

describe('slack definition', () => {
  it('calls https://slack.com/api/ unless base_url overrides it', () => {
    expect(apiBaseUrl(slackDefinition, {}).href).toBe('https://slack.com/api/');
    expect(apiBaseUrl(slackDefinition, { base_url: 'https://slack-gov.com/api' }).href).toBe(
      'https://slack-gov.com/api/',
    );
  });

  it('counts rate limits per method, as Slack does, whatever the base path', () => {
    const family = slackDefinition.api?.rateLimitFamily;
    expect(family?.('/api/users.list')).toBe('users.list');
    expect(family?.('/proxy/slack/api/conversations.list')).toBe('conversations.list');
  });
});

describe('the Web API client goes through the engine', () => {
  it('sends every request through the context: recorded by it, with the bot token, as Slack’s form POSTs', async () => {
    const k = kit();
    expect((await slackConnector.test(k.ctx)).ok).toBe(true);
    // Recorded by the test kit's agent: the SDK used the engine's fetch, not a network stack of its own.
    expect(methodsCalled(k)).toEqual(['/api/auth.test', '/api/team.info']);
    expect(slack.requests.map((r) => r.method)).toEqual(['auth.test', 'team.info']);
    for (const request of k.requests) {
      expect(request.method).toBe('POST');
      expect(request.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request.headers['user-agent']).toMatch(/@slack:web-api/);
    }
  });

  it('authenticates with the OAuth token when the connection has one, else with the bot token', async () => {
    const granted = token('xoxb-from-oauth', BOT_SCOPES);
    const oauth = (value: string | undefined): ProviderAuth => ({
      authorize: async (headers) => {
        if (value) headers.set('authorization', `Bearer ${value}`);
      },
      refreshAfterUnauthorized: async () => false,
    });
    // The configured bot token was revoked: only the OAuth token can pass.
    const connected = kit({ bot_token: REVOKED_TOKEN }, { oauth: oauth(granted) });
    expect((await slackConnector.test(connected.ctx)).ok).toBe(true);
    expect(connected.requests.every((r) => r.headers.authorization === `Bearer ${granted}`)).toBe(true);
    // No OAuth token stored yet: the engine sets nothing, the bot token stands.
    const pasted = kit({}, { oauth: oauth(undefined) });
    expect((await slackConnector.test(pasted.ctx)).ok).toBe(true);
    expect(pasted.requests.every((r) => r.headers.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
  });

  it('waits out a 429’s Retry-After in the engine and asks again', async () => {
    slack.failNext({ method: 'users.list', status: 429, retryAfter: 3 });
    const k = kit();
    const { batches } = await collectSync(slackConnector, k);
    expect(k.waits).toEqual([3000]);
    expect(calls('users.list').map((r) => r.status)).toEqual([429, 200, 200, 200]);
    expect(stored(batches).get('users')?.size).toBe(450);
  });

  it('ends the attempt as transient, retried when Slack said, when the wait is over the budget', async () => {
    slack.failNext({ method: 'conversations.list', status: 429, retryAfter: 120 });
    const k = kit({}, { maxWaitMs: 60_000 });
    const error = await collectSync(slackConnector, k).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect(classify(error)).toMatchObject({ failure: 'transient', retryAfterMs: 120_000, httpStatus: 429 });
    expect(k.waits).toEqual([]);
    expect(calls('conversations.list')).toHaveLength(1);
  });
});

describe('slack test and health check', () => {
  it('names the workspace and the bot, and verifies the scopes Slack announced', async () => {
    const outcome = await slackConnector.test(kit().ctx);
    expect(outcome).toEqual({
      ok: true,
      message: 'Successfully authenticated with Slack as switchboard in Acme (acme.slack.com).',
      details: {
        team: { id: slack.data.team.id, name: 'Acme', domain: 'acme', email_domain: 'acme.example' },
        authenticated_as: {
          user_id: slack.data.bot.userId,
          user: 'switchboard',
          bot_id: slack.data.bot.botId,
        },
        token_scopes: BOT_SCOPES,
        permissions_verified: BOT_SCOPES,
        missing_scopes: [],
      },
    });
  });

  it('reports every token Slack refuses as an auth_error with Slack’s code', async () => {
    slack.tokens.push({ ...botToken(slack.data, 'xoxp-inactive'), state: 'inactive' });
    const cases = [
      { bot_token: 'xoxb-unknown', code: 'invalid_auth' },
      { bot_token: REVOKED_TOKEN, code: 'token_revoked' },
      { bot_token: 'xoxp-inactive', code: 'account_inactive' },
    ];
    for (const { bot_token, code } of cases) {
      const outcome = await slackConnector.test(kit({ bot_token }).ctx);
      expect(outcome, code).toEqual({
        ok: false,
        errorType: 'auth_error',
        message: `Authentication failed: Slack refused the token (${code}). Check the bot token, or connect with OAuth again.`,
        providerMessage: code,
      });
    }
  });

  it('refuses to call Slack with neither a bot token nor an OAuth one, naming the field', async () => {
    await expect(slackConnector.test(kit({ bot_token: undefined }).ctx)).rejects.toThrow(
      new InvalidFieldsError([{ field: 'config.bot_token', message: 'is required to call the provider' }]),
    );
  });

  it('fails as a permission_error naming the scopes a sync needs, before reading anything', async () => {
    const limited = token('xoxb-limited', ['team:read', 'channels:read', 'chat:write']);
    const k = kit({ bot_token: limited });
    const outcome = await slackConnector.test(k.ctx);
    expect(outcome).toEqual({
      ok: false,
      errorType: 'permission_error',
      message:
        'The token lacks the scopes a sync needs: users:read (members), groups:read (private channels). ' +
        'Add them to the Slack app and reinstall it in the workspace.',
      providerMessage: 'missing_scope: users:read,groups:read',
    });
    expect(methodsCalled(k)).toEqual(['/api/auth.test']);
  });

  it('passes without an optional scope, saying what is unavailable', async () => {
    const partial = token('xoxb-partial', ['team:read', 'users:read', 'channels:read', 'groups:read']);
    const outcome = await slackConnector.test(kit({ bot_token: partial }).ctx);
    expect(outcome).toMatchObject({
      ok: true,
      message:
        'Successfully authenticated with Slack as switchboard in Acme (acme.slack.com). Missing scopes: ' +
        "users:read.email (members' email addresses unavailable), chat:write (posting messages unavailable).",
      details: {
        permissions_verified: ['team:read', 'users:read', 'channels:read', 'groups:read'],
        missing_scopes: ['users:read.email', 'chat:write'],
      },
    });
  });

  it('reports Slack’s outage as a provider_error with its status', async () => {
    slack.failNext({ method: 'team.info', status: 503 });
    expect(await slackConnector.test(kit().ctx)).toEqual({
      ok: false,
      errorType: 'provider_error',
      message: 'Reading the workspace (team.info) failed: HTTP 503.',
      httpStatus: 503,
    });
  });

  it('reports a scope or a limit a call runs into as Slack says', async () => {
    slack.failNext({ method: 'team.info', error: 'missing_scope' });
    expect(await slackConnector.test(kit().ctx)).toEqual({
      ok: false,
      errorType: 'permission_error',
      message:
        'Reading the workspace (team.info): the token lacks the team:read scope (missing_scope). ' +
        'Add it to the Slack app and reinstall it in the workspace.',
      providerMessage: 'missing_scope: team:read',
    });
    slack.failNext({ method: 'auth.test', error: 'ratelimited' });
    expect(await slackConnector.test(kit().ctx)).toEqual({
      ok: false,
      errorType: 'rate_limited',
      message: 'Rate limited by Slack: try again later.',
      providerMessage: 'ratelimited',
    });
  });

  it('leaves an unreachable Slack to the engine to report, unwrapped from the SDK', async () => {
    const closed = await startFakeSlack({ members: 3 });
    await closed.close();
    const error = await slackConnector.test(kit({ base_url: closed.url }).ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnreachableError);
  });

  it('health-checks with auth.test alone', async () => {
    const k = kit();
    const outcome = await slackConnector.healthCheck!(k.ctx);
    expect(outcome).toEqual({
      ok: true,
      message: 'Health check passed. Slack API responding normally.',
      details: {
        team: { id: slack.data.team.id, name: 'Acme', url: 'https://acme.slack.com/' },
        authenticated_as: {
          user_id: slack.data.bot.userId,
          user: 'switchboard',
          bot_id: slack.data.bot.botId,
        },
        token_scopes: BOT_SCOPES,
        permissions_verified: BOT_SCOPES,
        missing_scopes: [],
      },
    });
    expect(methodsCalled(k)).toEqual(['/api/auth.test']);
  });

  it('rejects with the abort reason when cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(slackConnector.test(kit({}, { signal: controller.signal }).ctx)).rejects.toBe(reason);
  });
});

describe('slack sync', () => {
  it('lists members 200 a page by next_cursor, then channels, then the workspace', async () => {
    const { batches } = await collectSync(slackConnector, kit());
    expect(batches.map((b) => b.entity)).toEqual(['users', 'users', 'users', 'channels', 'workspace']);
    const users = calls('users.list');
    expect(users.map((r) => r.params.limit)).toEqual(['200', '200', '200']);
    expect(users[0]?.params.cursor).toBeUndefined();
    // Each page asks from the cursor the previous one named.
    expect(users[1]?.params.cursor).toBe(batches[0]?.cursor);
    expect(users[2]?.params.cursor).toBe(batches[1]?.cursor);
    expect(batches[2]?.cursor).toBe('complete');
    expect(calls('conversations.list')[0]?.params).toMatchObject({
      types: 'public_channel,private_channel',
      exclude_archived: 'false',
      limit: '200',
    });
    const byEntity = stored(batches);
    expect(byEntity.get('users')?.size).toBe(slack.data.members.length);
    expect([...(byEntity.get('channels')?.keys() ?? [])].sort()).toEqual(
      visibleChannels(slack.data, slack.data.bot.userId)
        .map((c) => c.id)
        .sort(),
    );
    expect(byEntity.get('workspace')?.get(slack.data.team.id)).toEqual({
      id: slack.data.team.id,
      name: 'Acme',
      domain: 'acme',
      email_domain: 'acme.example',
      url: 'https://acme.slack.com/',
      enterprise_id: null,
      enterprise_name: null,
    });
  });

  it('follows next_cursor when Slack answers fewer members than asked', async () => {
    slack.pageCap = 60;
    const { batches } = await collectSync(slackConnector, kit());
    expect(batches.filter((b) => b.entity === 'users')).toHaveLength(Math.ceil(450 / 60));
    expect(stored(batches).get('users')?.size).toBe(450);
  });

  it('stores each member’s role, guest type, deactivation and bot state; two-factor unknown to a bot token', async () => {
    const users = stored((await collectSync(slackConnector, kit())).batches).get('users')!;
    const byName = (name: string) => [...users.values()].find((u) => u.name === name);
    expect(byName('user2')).toMatchObject({
      is_primary_owner: true,
      is_owner: true,
      is_admin: true,
      guest_type: null,
      email: 'user2@acme.example',
      has_2fa: null,
    });
    expect(byName('user17')).toMatchObject({
      is_restricted: true,
      is_ultra_restricted: true,
      guest_type: 'single_channel',
    });
    expect(byName('user13')).toMatchObject({
      is_restricted: true,
      is_ultra_restricted: false,
      guest_type: 'multi_channel',
    });
    expect(byName('user11')).toMatchObject({ deleted: true });
    // Slackbot is listed with is_bot false by Slack; it is no person.
    expect(users.get('USLACKBOT')).toMatchObject({ is_bot: true, email: null });
    // Presence and status text are not stored: they would change every sync.
    expect(Object.keys(byName('user5') ?? {})).not.toContain('profile');
  });

  it('resumes after the page it stored, and starts over when Slack no longer accepts the cursor', async () => {
    const first = await collectSync(slackConnector, kit());
    const afterFirstPage = first.batches[0]!.cursor!;
    const resumed = await collectSync(slackConnector, kit(), {
      fullSync: true,
      cursors: { users: afterFirstPage },
    });
    const page1 = new Set(first.batches[0]!.records.map((r) => r.id));
    const resumedUsers = resumed.batches.filter((b) => b.entity === 'users').flatMap((b) => b.records);
    expect(resumedUsers).toHaveLength(250);
    expect(resumedUsers.some((r) => page1.has(r.id))).toBe(false);
    // Evidence needs every member: a resumed listing gives none.
    expect(evidenceOf(resumed.batches)).toEqual([]);

    const expired = await collectSync(slackConnector, kit(), {
      fullSync: true,
      cursors: { users: 'bm90LWEtY3Vyc29y' },
    });
    expect(expired.log).toContainEqual({
      level: 'warn',
      message: 'Slack no longer accepts the saved users cursor: listing users again from the start',
    });
    expect(stored(expired.batches).get('users')?.size).toBe(450);
    expect(evidenceOf(expired.batches).map((e) => e.kind)).toEqual(['two_factor_coverage', 'guest_access']);
  });

  it('skips what a full sync’s earlier attempt listed; an incremental run lists it again', async () => {
    const done = { users: 'complete', channels: 'complete' };
    const retried = await collectSync(slackConnector, kit(), { fullSync: true, cursors: done });
    expect(retried.batches.map((b) => b.entity)).toEqual(['workspace']);
    const incremental = await collectSync(slackConnector, kit(), { fullSync: false, cursors: done });
    expect(stored(incremental.batches).get('users')?.size).toBe(450);
    expect(calls('users.list')[0]?.params.cursor).toBeUndefined();
  });

  it('maps Slack’s error codes to the engine’s failure classes', async () => {
    const failure = async (config: Partial<SlackConfig>) =>
      collectSync(slackConnector, kit(config)).catch((e: unknown) => e);

    const revoked = await failure({ bot_token: REVOKED_TOKEN });
    expect(revoked).toBeInstanceOf(ProviderError);
    expect(revoked).toMatchObject({
      failure: 'authentication',
      message: 'Listing Slack members (users.list) failed: Slack refused the token (token_revoked)',
      details: { providerMessage: 'token_revoked' },
    });

    const noGroups = token('xoxb-no-groups', ['team:read', 'users:read', 'channels:read']);
    expect(await failure({ bot_token: noGroups })).toMatchObject({
      failure: 'permanent',
      message:
        'Listing Slack channels (conversations.list) failed: the token lacks the groups:read scope (missing_scope)',
      details: { providerMessage: 'missing_scope: groups:read' },
    });

    slack.failNext({ method: 'users.list', error: 'internal_error' });
    expect(await failure({})).toMatchObject({
      failure: 'transient',
      details: { providerMessage: 'internal_error' },
    });

    slack.failNext({ method: 'team.info', status: 503 });
    expect(await failure({})).toMatchObject({
      failure: 'transient',
      message: 'Reading the Slack workspace (team.info) failed: HTTP 503',
      details: { httpStatus: 503 },
    });
  });

  it('stops with the abort reason when cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(collectSync(slackConnector, kit({}, { signal: controller.signal }))).rejects.toBe(reason);
  });
});

describe('slack evidence', () => {
  it('collects guest access equal to the fake’s, and says two-factor state is unknown to a bot token', async () => {
    const { batches } = await collectSync(slackConnector, kit());
    const people = activePeople(slack.data);
    const single = people.filter((m) => m.is_ultra_restricted).length;
    const multi = people.filter((m) => m.is_restricted && !m.is_ultra_restricted).length;
    const [twoFactor, guests] = evidenceOf(batches);
    expect(twoFactor).toMatchObject({
      kind: 'two_factor_coverage',
      summary: `Two-factor state of the ${people.length} active members is unknown: Slack shows it to admins' tokens only`,
      data: { active_members: people.length, two_factor_known: false, coverage_pct: null },
    });
    expect(guests).toMatchObject({
      kind: 'guest_access',
      summary: `${single + multi} of ${people.length} active members are guests: ${single} single-channel, ${multi} multi-channel`,
      data: { guests: single + multi, single_channel_guests: single, multi_channel_guests: multi },
    });
    expect(guests?.data.guest_accounts).toHaveLength(single + multi);
  });

  it('measures two-factor coverage with an admin’s token, naming who lacks it', async () => {
    const owner = slack.data.members.find((m) => m.is_primary_owner)!;
    const admin = token('xoxp-admin', BOT_SCOPES, owner.id);
    const { batches } = await collectSync(slackConnector, kit({ bot_token: admin }));
    const people = activePeople(slack.data).length;
    const without = withoutTwoFactor(slack.data);
    const pct = Math.round(((people - without.length) / people) * 1000) / 10;
    const [twoFactor] = evidenceOf(batches);
    expect(twoFactor).toMatchObject({
      summary: `${people - without.length} of ${people} active members have two-factor authentication (${pct}%)`,
      data: {
        two_factor_known: true,
        with_2fa: people - without.length,
        without_2fa: without.length,
        coverage_pct: pct,
      },
    });
    const named = (twoFactor?.data.members_without_2fa ?? []) as { id: string }[];
    expect(named.map((m) => m.id).sort()).toEqual(without.sort());
  });
});

describe('slack preview', () => {
  it('equals the fake’s ground truth, two-factor numbers null for a bot token', async () => {
    const { batches } = await collectSync(slackConnector, kit());
    expect(await slackConnector.preview!(storedRecords(batches), { bot_token: BOT_TOKEN })).toEqual(
      expectedPreview(slack.data),
    );
  });

  it('counts two-factor authentication when an admin’s token synced, and matches its published schema', async () => {
    const owner = slack.data.members.find((m) => m.is_primary_owner)!;
    const { batches } = await collectSync(
      slackConnector,
      kit({ bot_token: token('xoxp-admin', BOT_SCOPES, owner.id) }),
    );
    const preview = await slackConnector.preview!(storedRecords(batches), {});
    expect(preview).toEqual(expectedPreview(slack.data, owner.id));
    expect(preview.members).toMatchObject({
      two_factor_enabled: expect.any(Number),
      two_factor_pct: expect.any(Number),
    });
    const validate = new Ajv2020({ strict: true }).compile(slackConnector.previewSchema as object);
    expect(validate(preview), JSON.stringify(validate.errors)).toBe(true);
    // The schema is strict: an unknown or missing count fails it.
    expect(validate({ ...preview, extra: 1 })).toBe(false);
  });
});

describe('slack postMessage', () => {
  const postMessage = slackConnector.actions!.postMessage!;
  const post = (input: PostMessageInput, config: Partial<SlackConfig> = {}) =>
    postMessage.run(kit(config).ctx, input as never) as Promise<{ channel: string; ts: string }>;
  const channels = () => visibleChannels(slack.data, slack.data.bot.userId);
  const joined = () =>
    channels().find((c) => c.members.includes(slack.data.bot.userId) && !c.is_archived && !c.is_general)!;

  it('posts text to a channel and returns its id and the message’s ts', async () => {
    const channel = joined();
    const posted = await post({ channel: channel.id, text: 'Sync failed for *Okta*' });
    expect(posted).toEqual({ channel: channel.id, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(slack.data.messages).toEqual([
      expect.objectContaining({ channel: channel.id, ts: posted.ts, text: 'Sync failed for *Okta*' }),
    ]);
  });

  it('posts blocks to a channel named by its name', async () => {
    const general = slack.data.channels.find((c) => c.is_general)!;
    general.members.push(slack.data.bot.userId);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Run failed*' } }];
    const posted = await post({ channel: '#general', blocks, text: 'Run failed' });
    expect(posted.channel).toBe(general.id);
    expect(slack.data.messages[0]).toMatchObject({ blocks, text: 'Run failed' });
  });

  it('refuses what Slack refuses about the channel or message as a validation error naming it', async () => {
    const outside = channels().find(
      (c) => !c.is_private && !c.members.includes(slack.data.bot.userId) && !c.is_archived,
    )!;
    const archived = channels().find((c) => c.is_archived)!;
    const cases = [
      {
        channel: 'C000NOPE',
        message: 'Slack has no channel C000NOPE visible to this app (channel_not_found)',
      },
      {
        channel: outside.id,
        message: `The app is not a member of channel ${outside.id}: invite it to the channel first (not_in_channel)`,
      },
      { channel: archived.id, message: `Channel ${archived.id} is archived (is_archived)` },
      {
        channel: joined().id,
        text: 'x'.repeat(40_001),
        message: 'The message text is too long (msg_too_long)',
      },
    ];
    for (const { channel, text = 'hello', message } of cases) {
      const error = await post({ channel, text }).catch((e: unknown) => e);
      expect(error, channel).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        failure: 'validation',
        message: `Posting a message to ${channel} failed: ${message}`,
      });
    }
    expect(slack.data.messages).toEqual([]);
  });

  it('fails as authentication with a revoked token', async () => {
    await expect(
      post({ channel: joined().id, text: 'x' }, { bot_token: REVOKED_TOKEN }),
    ).rejects.toMatchObject({
      failure: 'authentication',
    });
  });

  it('declares its input: a channel, and text or blocks', () => {
    const validate = new Ajv2020({ strict: false }).compile(postMessage.inputSchema);
    expect(validate({ channel: 'C1', text: 'hi' })).toBe(true);
    expect(validate({ channel: 'C1', blocks: [{ type: 'divider' }] })).toBe(true);
    expect(validate({ channel: 'C1' })).toBe(false);
    expect(validate({ text: 'hi' })).toBe(false);
    expect(validate({ channel: 'C1', blocks: [{ text: 'no type' }] })).toBe(false);
    expect(validate({ channel: 'C1', text: 'hi', as_user: true })).toBe(false);
  });
});

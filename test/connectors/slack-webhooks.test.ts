/**
 * Slack's Events API through the Slack connector's webhooks: the signature scheme checked with
 * Slack's own worked example (docs.slack.dev, "Verifying requests from Slack"), the replay window,
 * the url_verification handshake and event ids; then what events do, each delivery signed by the fake
 * as Slack would and taken through verify, describe and handle as the webhooks module does, with the
 * effects compared with what a sync of the fake workspace stores for the same member or channel.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConnectorWebhooks,
  ProviderError,
  type WebhookDelivery,
  type WebhookEffect,
  type WebhookEvent,
} from '../../src/connectors/sdk.js';
import { type SlackConfig, slackConnector } from '../../src/connectors/slack/index.js';
import { collectSync, testContext } from '../../src/connectors/toolkit/test-kit.js';
import {
  appRateLimited,
  type ChannelEventType,
  channelEvent,
  type Envelope,
  eventCallback,
  memberEvent,
  SIGNING_SECRET,
  type SignedRequest,
  signedRequest,
  slackRequestSignature,
  urlVerification,
} from '../fakes/slack/events.js';
import { BOT_TOKEN, type FakeSlack, REVOKED_TOKEN, startFakeSlack } from '../fakes/slack/server.js';
import { type SlackChannel, slackWorkspace, type WorkspaceData } from '../fakes/slack/workspace.js';

// Slack's worked example ("Verifying requests from Slack"): a slash command's form body.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = 1531420618;
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

function declaredWebhooks(): ConnectorWebhooks<SlackConfig> {
  if (!slackConnector.webhooks) throw new Error('the Slack connector declares no webhooks');
  return slackConnector.webhooks;
}
const webhooks = declaredWebhooks();
const { scheme } = webhooks;

/** Seconds after the documented timestamp, as an arrival time. */
const afterDoc = (seconds: number) => new Date((DOC_TIMESTAMP + seconds) * 1000);

function docDelivery(
  receivedAt: Date,
  change: { body?: string; headers?: Record<string, string | undefined> } = {},
): WebhookDelivery {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(DOC_TIMESTAMP),
      'x-slack-signature': DOC_SIGNATURE,
      ...change.headers,
    },
    rawBody: Buffer.from(change.body ?? DOC_BODY),
    receivedAt,
  };
}

const asDelivery = (request: SignedRequest, receivedAt: Date): WebhookDelivery => ({
  method: 'POST',
  headers: request.headers,
  rawBody: Buffer.from(request.body),
  receivedAt,
});

// Far from the wall clock: a check against Date.now() instead of the arrival would refuse everything.
const ARRIVAL = new Date('2024-05-06T07:08:09.000Z');

describe('the slack signature scheme', () => {
  it('names itself and the header Slack signs in', () => {
    expect(scheme).toMatchObject({ name: 'slack', signatureHeader: 'X-Slack-Signature' });
  });

  it('accepts Slack’s documented example with its signing secret, up to five minutes after its timestamp', async () => {
    expect(await scheme.verify(docDelivery(afterDoc(1)), DOC_SECRET)).toEqual({ ok: true });
    expect(await scheme.verify(docDelivery(afterDoc(300)), DOC_SECRET)).toEqual({ ok: true });
    expect(await scheme.verify(docDelivery(afterDoc(-300)), DOC_SECRET)).toEqual({ ok: true });
  });

  it('refuses the example arriving more than five minutes after its timestamp, as a replay', async () => {
    expect(await scheme.verify(docDelivery(afterDoc(301)), DOC_SECRET)).toEqual({
      ok: false,
      reason:
        'X-Slack-Request-Timestamp is 301 seconds before the delivery arrived, more than 5 minutes: a replay is refused',
    });
    expect((await scheme.verify(docDelivery(afterDoc(86_400)), DOC_SECRET)).ok).toBe(false);
  });

  it('refuses a timestamp more than five minutes in the future of the arrival', async () => {
    expect(await scheme.verify(docDelivery(afterDoc(-301)), DOC_SECRET)).toEqual({
      ok: false,
      reason: 'X-Slack-Request-Timestamp is 301 seconds in the future of the delivery, more than 5 minutes',
    });
  });

  it('refuses a tampered body, a moved timestamp and another secret', async () => {
    const mismatch = {
      ok: false,
      reason: 'X-Slack-Signature does not match the body signed with the signing secret',
    };
    const tampered = docDelivery(afterDoc(1), { body: DOC_BODY.replace('roadrunner', 'roadrunnex') });
    expect(await scheme.verify(tampered, DOC_SECRET)).toEqual(mismatch);
    // The timestamp is signed too: moving it to pass the replay check breaks the signature.
    const moved = docDelivery(afterDoc(1), {
      headers: { 'x-slack-request-timestamp': String(DOC_TIMESTAMP + 1) },
    });
    expect(await scheme.verify(moved, DOC_SECRET)).toEqual(mismatch);
    expect(await scheme.verify(docDelivery(afterDoc(1)), `${DOC_SECRET}0`)).toEqual(mismatch);
  });

  it('refuses missing or malformed headers, and an empty secret, naming what is wrong', async () => {
    const cases: [Record<string, string | undefined>, string, string][] = [
      [{ 'x-slack-signature': undefined }, DOC_SECRET, 'missing the X-Slack-Signature header'],
      [
        { 'x-slack-request-timestamp': undefined },
        DOC_SECRET,
        'missing the X-Slack-Request-Timestamp header',
      ],
      [
        { 'x-slack-signature': DOC_SIGNATURE.toUpperCase() },
        DOC_SECRET,
        'malformed X-Slack-Signature: expected v0= and 64 lower-case hex digits',
      ],
      [
        { 'x-slack-signature': DOC_SIGNATURE.replace('v0=', 'v1=') },
        DOC_SECRET,
        'malformed X-Slack-Signature: expected v0= and 64 lower-case hex digits',
      ],
      [
        { 'x-slack-request-timestamp': '1531420618.5' },
        DOC_SECRET,
        'X-Slack-Request-Timestamp is not a Unix time in seconds',
      ],
      [{}, '', 'the webhook has no signing secret to check signatures with'],
    ];
    for (const [headers, secret, reason] of cases) {
      expect(await scheme.verify(docDelivery(afterDoc(1), { headers }), secret), reason).toEqual({
        ok: false,
        reason,
      });
    }
  });

  it('is checked against the same recipe the fake signs its deliveries with', () => {
    expect(slackRequestSignature(DOC_SECRET, String(DOC_TIMESTAMP), DOC_BODY)).toBe(DOC_SIGNATURE);
  });
});

describe('the slack Events API envelope', () => {
  const workspace = slackWorkspace({ members: 4, channels: 1 });

  it('answers a signed url_verification with its challenge', async () => {
    const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
    const request = signedRequest(urlVerification(challenge), { at: ARRIVAL });
    const delivery = asDelivery(request, ARRIVAL);
    expect(await scheme.verify(delivery, SIGNING_SECRET)).toEqual({ ok: true });
    const payload: unknown = JSON.parse(request.body);
    expect(scheme.handshake?.(delivery, payload)).toEqual({ status: 200, body: { challenge } });
    expect(scheme.describe(delivery, payload)).toEqual({ id: null, type: 'url_verification' });
  });

  it('answers no handshake for an event', () => {
    const envelope = eventCallback(workspace, { type: 'team_join', user: { id: 'U1' } }, ARRIVAL);
    expect(scheme.handshake?.(asDelivery(signedRequest(envelope, { at: ARRIVAL }), ARRIVAL), envelope)).toBe(
      undefined,
    );
  });

  it('describes an event by its event_id and inner type, the same for Slack’s retry of it', async () => {
    const envelope = eventCallback(workspace, { type: 'team_join', user: { id: 'U1' } }, ARRIVAL);
    const first = asDelivery(signedRequest(envelope, { at: ARRIVAL }), ARRIVAL);
    const later = new Date(ARRIVAL.getTime() + 60_000);
    const retry = asDelivery(
      signedRequest(envelope, { at: later, retry: { num: 1, reason: 'http_timeout' } }),
      later,
    );
    expect(retry.headers['x-slack-signature']).not.toBe(first.headers['x-slack-signature']);
    expect(await scheme.verify(retry, SIGNING_SECRET)).toEqual({ ok: true });
    const described = scheme.describe(first, JSON.parse(first.rawBody.toString()));
    expect(described).toEqual({ id: envelope.event_id, type: 'team_join' });
    expect(scheme.describe(retry, JSON.parse(retry.rawBody.toString()))).toEqual(described);
  });

  it('describes an envelope without an inner event by its own type', () => {
    const envelope = appRateLimited(workspace, ARRIVAL);
    const delivery = asDelivery(signedRequest(envelope, { at: ARRIVAL }), ARRIVAL);
    expect(scheme.describe(delivery, envelope)).toEqual({ id: null, type: 'app_rate_limited' });
  });
});

describe('what slack events do', () => {
  let slack: FakeSlack;

  beforeEach(async () => {
    slack = await startFakeSlack({ members: 60, channels: 24 });
  });
  afterEach(async () => {
    await slack.close();
  });

  const kit = (config: Partial<SlackConfig> = {}) =>
    testContext(slackConnector, { bot_token: BOT_TOKEN, base_url: slack.url, ...config });

  /** The envelope delivered, verified and described as the receiver does, then handled as the processor does. */
  async function deliver(envelope: Envelope, k = kit()): Promise<WebhookEffect[]> {
    const receivedAt = new Date();
    const delivery = asDelivery(signedRequest(envelope, { at: receivedAt }), receivedAt);
    expect(await scheme.verify(delivery, SIGNING_SECRET)).toEqual({ ok: true });
    const payload: unknown = JSON.parse(delivery.rawBody.toString('utf8'));
    const { id, type } = scheme.describe(delivery, payload);
    const event: WebhookEvent = {
      id: 'event-1',
      type,
      deliveryId: id,
      headers: {},
      payload,
      receivedAt,
    };
    return webhooks.handle(event, k.ctx);
  }

  /** What a sync of the fake workspace stores now, by entity and id. */
  async function synced(): Promise<Map<string, Map<string, Record<string, unknown>>>> {
    const { batches } = await collectSync(slackConnector, kit());
    const byEntity = new Map<string, Map<string, Record<string, unknown>>>();
    for (const batch of batches) {
      const records = byEntity.get(batch.entity) ?? new Map<string, Record<string, unknown>>();
      for (const record of batch.records) records.set(record.id, record.data);
      byEntity.set(batch.entity, records);
    }
    return byEntity;
  }

  const viewer = () => {
    const token = slack.tokens.find((t) => t.token === BOT_TOKEN);
    if (!token) throw new Error('the fake has no bot token');
    return token;
  };
  const callsOf = (method: string) => slack.requests.filter((r) => r.method === method);

  describe('members', () => {
    it('team_join upserts the new member exactly as a sync stores it, without calling Slack', async () => {
      const template = slack.data.members[5]!;
      slack.data.members.push({
        ...template,
        id: 'U0NEWCOMER',
        name: 'newcomer',
        real_name: 'New Comer',
        is_restricted: true,
        updated: 1_700_000_000,
        profile: { ...template.profile, real_name: 'New Comer', email: 'newcomer@acme.example' },
      });
      const k = kit();
      const effects = await deliver(
        eventCallback(slack.data, memberEvent(slack.data, 'team_join', 'U0NEWCOMER', viewer())),
        k,
      );
      expect(k.requests).toEqual([]);
      const user = (await synced()).get('users')?.get('U0NEWCOMER');
      expect(user).toMatchObject({ email: 'newcomer@acme.example', guest_type: 'multi_channel' });
      expect(effects).toEqual([
        { kind: 'upsert', entity: 'users', records: [{ id: 'U0NEWCOMER', data: user }] },
      ]);
    });

    it('user_change upserts the changed member as a sync stores it', async () => {
      const member = slack.data.members[7]!;
      Object.assign(member, { is_admin: true, real_name: 'Renamed Seven', updated: member.updated + 60 });
      const effects = await deliver(
        eventCallback(slack.data, memberEvent(slack.data, 'user_change', member.id, viewer())),
      );
      const user = (await synced()).get('users')?.get(member.id);
      expect(user).toMatchObject({ is_admin: true, real_name: 'Renamed Seven' });
      expect(effects).toEqual([
        { kind: 'upsert', entity: 'users', records: [{ id: member.id, data: user }] },
      ]);
    });

    it('a deactivation (user_change with deleted: true) is an upsert of the deactivated member, as the sync keeps them', async () => {
      const member = slack.data.members[8]!;
      member.deleted = true;
      const effects = await deliver(
        eventCallback(slack.data, memberEvent(slack.data, 'user_change', member.id, viewer())),
      );
      const user = (await synced()).get('users')?.get(member.id);
      expect(user).toMatchObject({ deleted: true });
      expect(effects).toEqual([
        { kind: 'upsert', entity: 'users', records: [{ id: member.id, data: user }] },
      ]);
    });
  });

  describe('channels', () => {
    /** A channel of the fake workspace: public or private, archived or not, the app in it or not. */
    const pick = (data: WorkspaceData, want: { private: boolean; archived: boolean; appIn: boolean }) => {
      const found = data.channels.find(
        (c) =>
          !c.is_general &&
          c.is_private === want.private &&
          c.is_archived === want.archived &&
          c.members.includes(data.bot.userId) === want.appIn,
      );
      if (!found) throw new Error(`the fake workspace has no channel ${JSON.stringify(want)}`);
      return found;
    };
    const publicIn = (data: WorkspaceData) => pick(data, { private: false, archived: false, appIn: true });
    const privateIn = (data: WorkspaceData) => pick(data, { private: true, archived: false, appIn: true });

    const changes: [ChannelEventType, (data: WorkspaceData) => SlackChannel][] = [
      [
        'channel_created',
        (data) => {
          const created = {
            ...publicIn(data),
            id: 'C0NEWCHANL',
            name: 'launch',
            name_normalized: 'launch',
            created: 1_700_000_000,
            members: [data.members[2]!.id],
            purpose: { value: '', creator: '', last_set: 0 },
          };
          data.channels.push(created);
          return created;
        },
      ],
      [
        'channel_rename',
        (data) =>
          Object.assign(publicIn(data), {
            name: 'renamed',
            name_normalized: 'renamed',
            previous_names: ['channel-6'],
          }),
      ],
      ['channel_archive', (data) => Object.assign(publicIn(data), { is_archived: true })],
      [
        'channel_unarchive',
        (data) =>
          Object.assign(pick(data, { private: false, archived: true, appIn: false }), { is_archived: false }),
      ],
      [
        'channel_left',
        (data) => {
          const channel = publicIn(data);
          channel.members = channel.members.filter((m) => m !== data.bot.userId);
          return channel;
        },
      ],
      [
        'group_rename',
        (data) =>
          Object.assign(privateIn(data), { name: 'secret-renamed', name_normalized: 'secret-renamed' }),
      ],
      ['group_archive', (data) => Object.assign(privateIn(data), { is_archived: true })],
      [
        'group_unarchive',
        (data) =>
          Object.assign(pick(data, { private: true, archived: true, appIn: true }), { is_archived: false }),
      ],
    ];

    it.each(changes)('%s reads the channel and upserts it as a sync stores it', async (type, change) => {
      const channel = change(slack.data);
      const effects = await deliver(eventCallback(slack.data, channelEvent(type, channel)));
      expect(callsOf('conversations.info').map((r) => r.params)).toEqual([
        { channel: channel.id, include_num_members: 'true' },
      ]);
      const stored = (await synced()).get('channels')?.get(channel.id);
      expect(stored).toMatchObject({ name: channel.name, is_archived: channel.is_archived });
      expect(effects).toEqual([
        { kind: 'upsert', entity: 'channels', records: [{ id: channel.id, data: stored }] },
      ]);
    });

    it('group_left deletes the private channel the app left: Slack no longer shows it, nor does a sync', async () => {
      const channel = privateIn(slack.data);
      channel.members = channel.members.filter((m) => m !== slack.data.bot.userId);
      const effects = await deliver(eventCallback(slack.data, channelEvent('group_left', channel)));
      expect(callsOf('conversations.info').map((r) => r.error)).toEqual(['channel_not_found']);
      expect((await synced()).get('channels')?.has(channel.id)).toBe(false);
      expect(effects).toEqual([{ kind: 'delete', entity: 'channels', ids: [channel.id] }]);
    });

    it.each(['channel_deleted', 'group_deleted'] as const)(
      '%s deletes the channel without calling Slack',
      async (type) => {
        const channel = type === 'group_deleted' ? privateIn(slack.data) : publicIn(slack.data);
        slack.data.channels = slack.data.channels.filter((c) => c !== channel);
        const k = kit();
        const effects = await deliver(eventCallback(slack.data, channelEvent(type, channel)), k);
        expect(k.requests).toEqual([]);
        expect(effects).toEqual([{ kind: 'delete', entity: 'channels', ids: [channel.id] }]);
      },
    );

    it('throws Slack’s failure to read the channel as the engine classifies it: transient, or the token refused', async () => {
      const channel = publicIn(slack.data);
      slack.failNext({ method: 'conversations.info', error: 'internal_error' });
      const transient = await deliver(
        eventCallback(slack.data, channelEvent('channel_rename', channel)),
      ).catch((e: unknown) => e);
      expect(transient).toBeInstanceOf(ProviderError);
      expect(transient).toMatchObject({ failure: 'transient' });
      const revoked = await deliver(
        eventCallback(slack.data, channelEvent('channel_rename', channel)),
        kit({ bot_token: REVOKED_TOKEN }),
      ).catch((e: unknown) => e);
      expect(revoked).toMatchObject({
        failure: 'authentication',
        message: expect.stringMatching(/token_revoked/),
      });
    });
  });

  describe('other envelopes and events', () => {
    it('records tokens_revoked and app_uninstalled without effects or calls to Slack', async () => {
      const k = kit();
      const revoked = { type: 'tokens_revoked', tokens: { oauth: [], bot: [slack.data.bot.userId] } };
      expect(await deliver(eventCallback(slack.data, revoked), k)).toEqual([]);
      expect(await deliver(eventCallback(slack.data, { type: 'app_uninstalled' }), k)).toEqual([]);
      expect(k.requests).toEqual([]);
    });

    it('asks for a sync when Slack rate-limited the app’s events: those it dropped are missed', async () => {
      expect(await deliver(appRateLimited(slack.data))).toEqual([{ kind: 'sync' }]);
    });

    it('has no effects for events it does not follow, nor for one missing what it names', async () => {
      const k = kit();
      const reaction = { type: 'reaction_added', user: 'U000000002', reaction: 'thumbsup' };
      expect(await deliver(eventCallback(slack.data, reaction), k)).toEqual([]);
      expect(await deliver(eventCallback(slack.data, { type: 'team_join' }), k)).toEqual([]);
      expect(await deliver(eventCallback(slack.data, { type: 'channel_rename', channel: {} }), k)).toEqual(
        [],
      );
      expect(k.requests).toEqual([]);
    });
  });
});

/**
 * Okta event hooks through the test kit: the `okta` scheme (the shared secret in `Authorization`,
 * the one-time verification GET, delivery ids and types) on requests built as Okta sends them
 * (test/fakes/okta/event-hooks.ts), and the handler's effects against the fake org, compared with
 * what a sync of the same org stores.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OktaConfig, oktaConnector } from '../../src/connectors/okta/index.js';
import {
  ProviderError,
  type SyncBatch,
  type WebhookDelivery,
  type WebhookEvent,
} from '../../src/connectors/sdk.js';
import { collectSync, testContext } from '../../src/connectors/toolkit/test-kit.js';
import {
  appTarget,
  eventHookBody,
  eventHookRequest,
  groupTarget,
  type HookRequest,
  type LogEventJson,
  logEvent,
  userTarget,
  verificationRequest,
} from '../fakes/okta/event-hooks.js';
import { type FakeOkta, startFakeOkta } from '../fakes/okta/server.js';

const SECRET = 'hook-secret-7f3a9c2e41b8d6';
const { scheme, handle } = oktaConnector.webhooks;

let okta: FakeOkta;

beforeEach(async () => {
  okta = await startFakeOkta({ users: 30, groups: 4, apps: 6 });
});
afterEach(async () => {
  await okta.close();
});

function kit(extra: Partial<OktaConfig> = {}) {
  return testContext(oktaConnector, {
    domain: 'acme.okta.com',
    api_token: 'okta-token',
    base_url: okta.url,
    ...extra,
  });
}

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/** A request as the receiver hands it to the scheme: header names in lower case, the body's bytes. */
function delivery(request: HookRequest): WebhookDelivery {
  const headers = lowerCased(request.headers);
  return { method: request.method, headers, rawBody: Buffer.from(request.body), receivedAt: new Date() };
}

/** A verified delivery of `events` as the processor hands it to the handler. */
function hookEvent(events: LogEventJson[]): WebhookEvent {
  const request = eventHookRequest(SECRET, events);
  const arrived = delivery(request);
  const payload: unknown = JSON.parse(request.body);
  const { id, type } = scheme.describe(arrived, payload);
  // Stored events keep their headers without the secret.
  const { authorization: _, ...headers } = lowerCased(request.headers);
  return { id: randomUUID(), type, deliveryId: id, headers, payload, receivedAt: arrived.receivedAt };
}

async function handled(events: LogEventJson[], extra: Partial<OktaConfig> = {}) {
  const k = kit(extra);
  const effects = await handle(hookEvent(events), k.ctx);
  return { effects, k };
}

/** Each entity's records as a full sync of the fake org stores them now (last write wins by id). */
async function synced(extra: Partial<OktaConfig> = {}): Promise<Map<string, Map<string, unknown>>> {
  const { batches } = await collectSync(oktaConnector, kit(extra));
  const byEntity = new Map<string, Map<string, unknown>>();
  for (const batch of batches as SyncBatch[]) {
    const records = byEntity.get(batch.entity) ?? new Map<string, unknown>();
    for (const record of batch.records) records.set(record.id, record.data);
    byEntity.set(batch.entity, records);
  }
  return byEntity;
}

async function syncedRecord(entity: string, id: string, extra: Partial<OktaConfig> = {}) {
  const data = (await synced(extra)).get(entity)?.get(id);
  expect(data).toBeDefined();
  return { id, data };
}

const user = (index: number) => okta.data.users[index]!;
const group = (index: number) => okta.data.groups[index]!;
const app = (index: number) => okta.data.apps[index]!;
const readsOf = (k: ReturnType<typeof kit>, prefix: string) =>
  k.requests.filter((r) => r.path.startsWith(prefix)).length;

describe('the okta event hook scheme', () => {
  it('is named okta and reads the secret from Authorization', () => {
    expect(scheme.name).toBe('okta');
    expect(scheme.signatureHeader).toBe('Authorization');
  });

  it('accepts a delivery whose Authorization header is the webhook secret', async () => {
    const request = eventHookRequest(SECRET, [logEvent('user.lifecycle.create', [userTarget(user(0))])]);
    expect(await scheme.verify(delivery(request), SECRET)).toEqual({ ok: true });
  });

  it('refuses a wrong secret of the same length, naming neither value', async () => {
    const wrong = `${SECRET.slice(0, -1)}X`;
    const result = await scheme.verify(delivery(eventHookRequest(wrong, [])), SECRET);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it('refuses secrets shorter and longer than the webhook’s without throwing or echoing them', async () => {
    for (const given of [SECRET.slice(0, 5), `${SECRET}${SECRET}`, `Bearer ${SECRET}`]) {
      const result = await scheme.verify(delivery(eventHookRequest(given, [])), SECRET);
      expect(result).toEqual({
        ok: false,
        reason: 'The Authorization header does not match the webhook secret',
      });
    }
  });

  it('refuses a delivery without an Authorization header, or with an empty one', async () => {
    const request = eventHookRequest(SECRET, []);
    const { Authorization: _, ...headers } = request.headers;
    for (const without of [
      { ...request, headers },
      { ...request, headers: { ...headers, Authorization: '' } },
    ]) {
      const result = await scheme.verify(delivery(without), SECRET);
      expect(result).toEqual({
        ok: false,
        reason: 'No Authorization header: the event hook must send the webhook secret in it',
      });
    }
  });

  it('answers the one-time verification GET with its challenge, after verifying its secret', async () => {
    const challenge = 'X8pYoYZ4c3hG6Dpd4IqLbGrPpKThFEDz_EZWxfqc';
    const request = delivery(verificationRequest(SECRET, challenge));
    expect(await scheme.verify(request, SECRET)).toEqual({ ok: true });
    expect(scheme.handshake?.(request, undefined)).toEqual({
      status: 200,
      body: { verification: challenge },
    });
  });

  it('treats POST deliveries, and a GET without a challenge, as no handshake', () => {
    const post = eventHookRequest(SECRET, [logEvent('user.lifecycle.create', [userTarget(user(0))])]);
    expect(scheme.handshake?.(delivery(post), JSON.parse(post.body))).toBeUndefined();
    const get = verificationRequest(SECRET, 'abc');
    const { 'X-Okta-Verification-Challenge': _, ...headers } = get.headers;
    expect(scheme.handshake?.(delivery({ ...get, headers }), undefined)).toBeUndefined();
  });

  it('describes a delivery by its eventId, and by the type its events share', () => {
    const events = [
      logEvent('user.lifecycle.suspend', [userTarget(user(0))]),
      logEvent('user.lifecycle.suspend', [userTarget(user(1))]),
    ];
    const request = eventHookRequest(SECRET, events, { eventId: 'b5a188b9-5ece-4636-b041-482ffda96311' });
    expect(scheme.describe(delivery(request), JSON.parse(request.body))).toEqual({
      id: 'b5a188b9-5ece-4636-b041-482ffda96311',
      type: 'user.lifecycle.suspend',
    });
  });

  it('types a delivery of mixed events com.okta.event_hook, and reads nothing from a body that is not one', () => {
    const mixed = eventHookBody(
      [
        logEvent('user.lifecycle.suspend', [userTarget(user(0))]),
        logEvent('group.user_membership.add', [userTarget(user(0)), groupTarget(group(1))]),
      ],
      { eventId: 'e-1' },
    );
    const any = delivery(eventHookRequest(SECRET, []));
    expect(scheme.describe(any, mixed)).toEqual({ id: 'e-1', type: 'com.okta.event_hook' });
    expect(scheme.describe(any, { hello: 'world' })).toEqual({ id: null, type: null });
    expect(scheme.describe(any, 'text')).toEqual({ id: null, type: null });
  });
});

describe('the okta event hook handler', () => {
  // Each event with the change at Okta it reports (user 3: ACTIVE with one factor).
  const userChanges: [string, () => void][] = [
    ['user.lifecycle.create', () => {}],
    ['user.lifecycle.suspend', () => okta.touchUser(user(3).id, { status: 'SUSPENDED' })],
    ['user.lifecycle.unsuspend', () => okta.touchUser(user(3).id, { status: 'ACTIVE' })],
    ['user.account.lock', () => okta.touchUser(user(3).id, { status: 'LOCKED_OUT' })],
    [
      'user.account.update_profile',
      () => okta.touchUser(user(3).id, { profile: { ...user(3).profile, department: 'Legal' } }),
    ],
    ['user.mfa.factor.deactivate', () => okta.data.factors.set(user(3).id, [])],
  ];

  it.each(userChanges)('%s: upserts the user exactly as a sync stores it now', async (eventType, change) => {
    change();
    const { effects, k } = await handled([logEvent(eventType, [userTarget(user(3))])]);
    expect(effects).toEqual([
      { kind: 'upsert', entity: 'users', records: [await syncedRecord('users', user(3).id)] },
    ]);
    expect(readsOf(k, `/api/v1/users/${user(3).id}/factors`)).toBe(1);
  });

  it('reads a user named by several events of one delivery once, and upserts it once', async () => {
    okta.touchUser(user(2).id, { status: 'SUSPENDED' });
    const target = [userTarget(user(2))];
    const { effects, k } = await handled([
      logEvent('user.lifecycle.suspend', target),
      logEvent('user.account.update_profile', target),
      logEvent('user.mfa.factor.activate', target),
      logEvent('user.lifecycle.create', [userTarget(user(4))]),
    ]);
    expect(effects).toEqual([
      {
        kind: 'upsert',
        entity: 'users',
        records: [await syncedRecord('users', user(2).id), await syncedRecord('users', user(4).id)],
      },
    ]);
    expect(k.requests.map((r) => r.path)).toEqual([
      `/api/v1/users/${user(2).id}`,
      `/api/v1/users/${user(2).id}/factors`,
      `/api/v1/users/${user(4).id}`,
      `/api/v1/users/${user(4).id}/factors`,
    ]);
  });

  it('deletes a user whose deletion began, without reading it, whatever else the delivery says of it', async () => {
    const target = [userTarget(user(3))];
    const { effects, k } = await handled([
      logEvent('user.lifecycle.delete.initiated', target),
      logEvent('user.account.update_profile', target),
    ]);
    expect(effects).toEqual([{ kind: 'delete', entity: 'users', ids: [user(3).id] }]);
    expect(k.requests).toEqual([]);
  });

  it('deletes a user Okta answers 404 for (deleted since the event)', async () => {
    const gone = user(3);
    okta.data.users.splice(3, 1);
    const { effects } = await handled([logEvent('user.lifecycle.deactivate', [userTarget(gone)])]);
    expect(effects).toEqual([{ kind: 'delete', entity: 'users', ids: [gone.id] }]);
  });

  it('deletes a deactivated user unless the connection syncs deprovisioned users, then stores it as the sync does', async () => {
    okta.touchUser(user(3).id, { status: 'DEPROVISIONED' });
    okta.data.factors.set(user(3).id, []);
    const event = [logEvent('user.lifecycle.deactivate', [userTarget(user(3))])];
    expect((await handled(event)).effects).toEqual([{ kind: 'delete', entity: 'users', ids: [user(3).id] }]);
    expect((await synced()).get('users')?.has(user(3).id)).toBe(false);

    const kept = await handled(event, { sync_deprovisioned: true });
    expect(kept.effects).toEqual([
      {
        kind: 'upsert',
        entity: 'users',
        records: [await syncedRecord('users', user(3).id, { sync_deprovisioned: true })],
      },
    ]);
  });

  it('re-reads the group of a membership change and stores it as the sync does, not the user', async () => {
    okta.data.groups[2] = { ...group(2), lastMembershipUpdated: '2024-06-01T10:00:00.000Z' };
    const { effects, k } = await handled([
      logEvent('group.user_membership.add', [userTarget(user(3)), groupTarget(group(2))]),
      logEvent('group.user_membership.remove', [userTarget(user(4)), groupTarget(group(2))]),
    ]);
    expect(effects).toEqual([
      { kind: 'upsert', entity: 'groups', records: [await syncedRecord('groups', group(2).id)] },
    ]);
    expect(k.requests.map((r) => r.path)).toEqual([`/api/v1/groups/${group(2).id}`]);
  });

  it('deletes a deleted group, and a group Okta no longer has', async () => {
    const removed = group(3);
    okta.data.groups.splice(3, 1);
    const { effects } = await handled([
      logEvent('group.lifecycle.delete', [groupTarget(group(1))]),
      logEvent('group.profile.update', [groupTarget(removed)]),
    ]);
    expect(effects).toEqual([{ kind: 'delete', entity: 'groups', ids: [group(1).id, removed.id] }]);
  });

  it('stores a deactivated application as the sync does, and deletes a deleted one', async () => {
    okta.data.apps[0] = { ...app(0), status: 'INACTIVE', lastUpdated: '2024-06-01T10:00:00.000Z' };
    const { effects } = await handled([
      logEvent('application.lifecycle.deactivate', [appTarget(app(0))]),
      logEvent('application.lifecycle.delete', [appTarget(app(1))]),
    ]);
    expect(effects).toEqual([
      { kind: 'upsert', entity: 'applications', records: [await syncedRecord('applications', app(0).id)] },
      { kind: 'delete', entity: 'applications', ids: [app(1).id] },
    ]);
  });

  it('applies a delivery mixing users, groups and applications', async () => {
    const { effects } = await handled([
      logEvent('group.lifecycle.create', [groupTarget(group(1))]),
      logEvent('user.lifecycle.activate', [userTarget(user(0))]),
      logEvent('application.lifecycle.activate', [appTarget(app(2))]),
    ]);
    expect(effects).toEqual([
      { kind: 'upsert', entity: 'groups', records: [await syncedRecord('groups', group(1).id)] },
      { kind: 'upsert', entity: 'users', records: [await syncedRecord('users', user(0).id)] },
      { kind: 'upsert', entity: 'applications', records: [await syncedRecord('applications', app(2).id)] },
    ]);
  });

  it('has no effect, and reads nothing, for events that change nothing the sync stores', async () => {
    const { effects, k } = await handled([
      logEvent('user.session.start', [userTarget(user(3))]),
      logEvent('policy.lifecycle.update', [{ ...groupTarget(group(1)), type: 'PolicyEntity' }]),
      logEvent('application.user_membership.add', [userTarget(user(3)), appTarget(app(0))]),
    ]);
    expect(effects).toEqual([]);
    expect(k.requests).toEqual([]);
  });

  it('has no effect for a body that is not an event hook delivery', async () => {
    const k = kit();
    const event = { ...hookEvent([]), payload: { hello: 'world' } };
    expect(await handle(event, k.ctx)).toEqual([]);
    expect(k.requests).toEqual([]);
  });

  it('waits out a 429 while reading a user, then stores it', async () => {
    okta.failNext({ status: 429, path: `/api/v1/users/${user(3).id}` });
    const { effects, k } = await handled([logEvent('user.lifecycle.suspend', [userTarget(user(3))])]);
    expect(k.waits).toHaveLength(1);
    expect(
      okta.requests.filter((r) => r.path === `/api/v1/users/${user(3).id}`).map((r) => r.status),
    ).toEqual([429, 200]);
    expect(effects).toEqual([
      { kind: 'upsert', entity: 'users', records: [await syncedRecord('users', user(3).id)] },
    ]);
  });

  it('fails as a transient ProviderError when Okta errs reading a group, so the event is retried', async () => {
    okta.failNext({ status: 503, path: `/api/v1/groups/${group(1).id}` });
    const error = await handled([logEvent('group.profile.update', [groupTarget(group(1))])]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ failure: 'transient', details: { httpStatus: 503 } });
  });
});

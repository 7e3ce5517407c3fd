import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/modules/events/outbox.js';
import { LIVE_CONSUMER, REPLAY_LIMIT } from '../../src/modules/live/live-updates.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { LiveClient } from './client.js';
import { createConnection, demoDefinitionId, listedEvents } from './fixture.js';

describe('live updates over Socket.io', () => {
  let t: TestApp;
  let url: string;
  let demo: string;
  let alice: SeededUser;
  let bob: SeededUser;
  const clients: LiveClient[] = [];

  /** A socket of `user`'s, closed after the test. */
  function connect(
    user: SeededUser,
    auth: Record<string, unknown> = {},
    options?: ConstructorParameters<typeof LiveClient>[2],
  ): LiveClient {
    const client = new LiveClient(
      url,
      { token: user.tokens.access_token, org_id: user.orgId, ...auth },
      options,
    );
    clients.push(client);
    return client;
  }

  /** Records `count` events in the org in one transaction, as a burst of activity would. */
  async function burst(orgId: string, count: number): Promise<void> {
    await t.ctx.database.db.transaction().execute(async (tx) => {
      for (let i = 0; i < count; i++) {
        await recordEvent(
          tx,
          { type: 'api_key.revoked', orgId, subjectId: newId(), payload: { name: `key ${i}` } },
          t.ctx.clock.now(),
        );
      }
    });
  }

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    t.app.live?.start();
    demo = await demoDefinitionId(t);
    alice = await seedUser(t, { name: 'Alice' });
    bob = await seedUser(t, { name: 'Bob' });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('the handshake', () => {
    it('is refused UNAUTHENTICATED without a token, or with a bad one', async () => {
      const none = new LiveClient(url, { org_id: alice.orgId });
      clients.push(none);
      const missing = await none.refused();
      expect(missing.message).toBe('UNAUTHENTICATED');
      expect(missing.data?.code).toBe('UNAUTHORIZED');
      const bad = await connect(alice, { token: `${alice.tokens.access_token}x` }).refused();
      expect(bad.message).toBe('UNAUTHENTICATED');
      expect(bad.data?.message).toBe('Invalid access token');
    });

    it('is refused FORBIDDEN for another org, or to a role that cannot read events', async () => {
      const foreign = await connect(alice, { org_id: bob.orgId }).refused();
      expect(foreign.message).toBe('FORBIDDEN');
      const auditor = await seedUser(t, { orgId: alice.orgId, role: 'auditor' });
      const refused = await connect(auditor).refused();
      expect(refused.message).toBe('FORBIDDEN');
      expect(refused.data?.details).toEqual({ permission: 'events:read' });
    });

    it('names a malformed field', async () => {
      const refused = await connect(alice, { since: 'yesterday' }).refused();
      expect(refused.message).toBe('VALIDATION_ERROR');
      expect(refused.data?.details).toEqual({
        fields: [{ field: 'since', location: 'auth', message: 'must be the id of an event' }],
      });
    });

    it('lets in an API key with events:read, in its own org', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: alice.auth,
        payload: { name: 'live', scopes: ['events:read'] },
      });
      expect(res.statusCode, res.body).toBe(201);
      const client = new LiveClient(url, { token: res.json().data.key, org_id: alice.orgId });
      clients.push(client);
      await client.connected();
    });
  });

  it('delivers an event committed through the API to the org’s sockets, in the event list’s shape', async () => {
    // Long-polling first, then the WebSocket upgrade: both go through the API's own server.
    const client = connect(alice, {}, { transports: ['polling', 'websocket'] });
    await client.connected();
    const created = await createConnection(t, alice, demo);
    expect(await client.eventWithId(created.id)).toEqual(created);
    expect(created).toMatchObject({ type: 'connection.created', subject: { type: 'connection' } });
  });

  it('never sends an org’s events to another org’s sockets', async () => {
    const ours = connect(alice);
    const theirs = connect(bob);
    await Promise.all([ours.connected(), theirs.connected()]);
    const aliceEvent = await createConnection(t, alice, demo);
    const bobEvent = await createConnection(t, bob, demo);
    // Events go out in commit order: Bob's, committed after Alice's, arrives after it would have.
    await theirs.eventWithId(bobEvent.id);
    await ours.eventWithId(aliceEvent.id);
    const bobs = new Set((await listedEvents(t, bob)).map((e) => e.id));
    const alices = new Set((await listedEvents(t, alice)).map((e) => e.id));
    expect(theirs.events.length).toBeGreaterThan(0);
    expect(theirs.events.filter((e) => !bobs.has(e.id))).toEqual([]);
    expect(ours.events.filter((e) => !alices.has(e.id))).toEqual([]);
  });

  it('replays exactly the missed events, in order, to a socket that comes back with `since`', async () => {
    const watcher = connect(alice);
    const first = connect(alice);
    await Promise.all([watcher.connected(), first.connected()]);
    const seen = await createConnection(t, alice, demo);
    await first.eventWithId(seen.id);
    first.close();
    await createConnection(t, alice, demo);
    const last = await createConnection(t, alice, demo);
    // What went out while it was away, as a socket that stayed received it.
    await watcher.eventWithId(last.id);
    const ids = watcher.events.map((e) => e.id);
    const missed = watcher.events.slice(ids.indexOf(seen.id) + 1);
    expect(missed.map((e) => e.id)).toContain(last.id);

    const back = connect(alice, { since: seen.id });
    await back.connected();
    await back.eventWithId(last.id);
    // Then live as before, and nothing twice.
    const next = await createConnection(t, alice, demo);
    await back.eventWithId(next.id);
    expect(back.received).toEqual([...missed, next]);
  });

  it(`replays up to ${REPLAY_LIMIT} missed events; past that, tells the client to resync and goes on live`, async () => {
    const watcher = connect(alice);
    await watcher.connected();
    const seen = await createConnection(t, alice, demo);
    await watcher.eventWithId(seen.id);
    await burst(alice.orgId, REPLAY_LIMIT);
    await watcher.until(() => (watcher.events.length >= REPLAY_LIMIT + 1 ? true : undefined));

    const caughtUp = connect(alice, { since: seen.id });
    await caughtUp.connected();
    await caughtUp.until(() => (caughtUp.received.length >= REPLAY_LIMIT ? true : undefined));
    expect(caughtUp.received).toEqual(watcher.events.slice(-REPLAY_LIMIT));

    await burst(alice.orgId, 1);
    await watcher.until(() => (watcher.events.length >= REPLAY_LIMIT + 2 ? true : undefined));
    const tooFar = connect(alice, { since: seen.id });
    await tooFar.connected();
    await tooFar.until(() => (tooFar.received.length > 0 ? true : undefined));
    const next = await createConnection(t, alice, demo);
    await tooFar.eventWithId(next.id);
    expect(tooFar.received).toEqual(['resync', next]);
  });

  it('tells a client whose `since` is unknown (pruned, or not its org’s) to resync', async () => {
    const bobEvent = await createConnection(t, bob, demo);
    for (const since of [newId(), bobEvent.id]) {
      const client = connect(alice, { since });
      await client.connected();
      expect(await client.until(() => client.received[0])).toBe('resync');
    }
  });

  it('drops a removed member’s socket and refuses its reconnection; others stay', async () => {
    const eve = await seedUser(t, { orgId: alice.orgId, role: 'security_engineer' });
    const hers = connect(eve, {}, { reconnection: true });
    const admins = connect(alice);
    await Promise.all([hers.connected(), admins.connected()]);
    const dropped = new Promise<string>((resolve) => hers.socket.once('disconnect', resolve));
    const refusedAgain = hers.refused();

    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${alice.orgId}/members/${eve.id}`,
      headers: alice.auth,
    });
    expect(res.statusCode, res.body).toBe(204);
    // The transport, so the client reconnects by itself; its handshake is then refused.
    expect(await dropped).toBe('transport close');
    expect((await refusedAgain).message).toBe('UNAUTHENTICATED');
    const [removed] = await listedEvents(t, alice, { type: 'member.removed', subject_id: eve.id });
    await admins.eventWithId(removed!.id);
    expect(admins.socket.connected).toBe(true);
  });

  it('reads the outbox with a durable cursor of its own', async () => {
    const row = await t.ctx.database.db
      .selectFrom('event_consumers')
      .select(['name', 'last_seq'])
      .where('name', '=', LIVE_CONSUMER)
      .executeTakeFirst();
    expect(row?.name).toBe('live');
    expect(Number(row?.last_seq)).toBeGreaterThan(0);
  });
});

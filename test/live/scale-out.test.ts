import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { suiteDatabase, type TestDatabase } from '../helpers/databases.js';
import { REDIS_URL, uniqueName } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { LiveClient } from './client.js';
import { createConnection, demoDefinitionId } from './fixture.js';

/**
 * Two API processes of one deployment (one database, one Redis, one key prefix). Only A runs the
 * `live` consumer, so an event can reach a socket on B only through the Redis adapter.
 */
describe.runIf(REDIS_URL)('live updates in scale-out', () => {
  const prefix = `${uniqueName('sblive')}:`;
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let urlB: string;
  let alice: SeededUser;
  let bob: SeededUser;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    database = await suiteDatabase();
    const env = { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: prefix, SWITCHBOARD_RATE_LIMITS: 'false' };
    // The database is dropped once, after both have closed.
    const shared = { ...database, drop: async () => {} };
    a = await testApp({ database: shared, env });
    b = await testApp({ database: shared, env, migrate: false });
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    urlB = await b.app.listen({ port: 0, host: '127.0.0.1' });
    a.app.live?.start();
    alice = await seedUser(a, { name: 'Alice' });
    bob = await seedUser(a, { name: 'Bob' });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await b?.close();
    await a?.close();
    await database?.drop();
    await deleteKeysWithPrefix(REDIS_URL!, prefix);
  });

  const connectToB = (user: SeededUser) => {
    const client = new LiveClient(urlB, { token: user.tokens.access_token, org_id: user.orgId });
    clients.push(client);
    return client;
  };

  it('brings an event consumed on A to a socket on B, and only to its org’s', async () => {
    const ours = connectToB(alice);
    const theirs = connectToB(bob);
    await Promise.all([ours.connected(), theirs.connected()]);
    expect(b.app.live?.localSockets).toBe(2);
    expect(a.app.live?.localSockets).toBe(0);
    const demo = await demoDefinitionId(a);
    const aliceEvent = await createConnection(a, alice, demo);
    expect(await ours.eventWithId(aliceEvent.id)).toEqual(aliceEvent);
    const bobEvent = await createConnection(a, bob, demo);
    await theirs.eventWithId(bobEvent.id);
    expect(theirs.events.map((e) => e.id)).not.toContain(aliceEvent.id);
    expect(ours.events.map((e) => e.id)).not.toContain(bobEvent.id);
  });

  it('drops a removed member’s socket on B when A removes them', async () => {
    const eve = await seedUser(a, { orgId: alice.orgId, role: 'security_engineer' });
    // B's role starts it as it would A's: its sockets are re-checked on notices from any process.
    b.app.live?.start();
    const hers = connectToB(eve);
    await hers.connected();
    const dropped = new Promise<string>((resolve) => hers.socket.once('disconnect', resolve));
    const res = await a.app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${alice.orgId}/members/${eve.id}`,
      headers: alice.auth,
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await dropped).toBe('transport close');
  });
});

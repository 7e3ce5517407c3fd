import pg from 'pg';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_TYPES, type EventTypeName } from '../../src/modules/events/catalogue.js';
import { recordEvent } from '../../src/modules/events/outbox.js';
import type { StoredEvent } from '../../src/modules/events/store.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { postgresDatabase, suiteDatabase, type TestDatabase } from '../helpers/databases.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../helpers/env.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncConnectors, syncHarness } from '../helpers/sync.js';

const SMALL_DEMO = { api_token: 'x', users: 1, groups: 1, repositories: 1 };

interface EventView {
  id: string;
  type: string;
  version: number;
  subject: { type: string; id: string };
  payload: Record<string, unknown>;
  occurred_at: string;
}
interface EventPage {
  data: EventView[];
  pagination: { per_page: number; next_cursor: string | null };
}

const stored = (t: TestApp) => t.ctx.database.db.selectFrom('events').selectAll().orderBy('seq').execute();

describe('event outbox', () => {
  let t: TestApp;
  let admin: SeededUser;
  let clock: FakeClock;

  const list = async (query: string, user: SeededUser = admin) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/events?${query}`, headers: user.auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as EventPage;
  };

  beforeAll(async () => {
    clock = new FakeClock();
    t = await testApp({ connectors: syncConnectors, worker: true, clock, env: SYNC_TEST_ENV });
    admin = await seedUser(t);
  });
  afterAll(() => t.close());

  it('writes events with the state changes, each payload valid against the catalogue', async () => {
    const h = syncHarness(t, admin);
    const id = await h.connected('demo', SMALL_DEMO);
    const runId = await h.trigger(id);
    await h.settled(id, runId);
    const key = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.auth,
      payload: { name: 'ci', scopes: ['users:read'] },
    });
    const keyId = key.json().data.id as string;
    await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, headers: admin.auth });
    const deleted = await h.call('DELETE', `/integration-connections/${id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);

    const rows = (await stored(t)).filter((e) => e.org_id === admin.orgId);
    const of = (subject: string) => rows.filter((e) => e.subject_id === subject).map((e) => e.type);
    expect(of(id)).toEqual([
      'connection.created',
      // test: pending_setup → configuring, unknown → healthy
      'connection.updated',
      'connection.status_changed',
      'connection.health_changed',
      // enable: configuring → connected
      'connection.updated',
      'connection.status_changed',
      // the run: claimed (connected → syncing), ended (syncing → connected)
      'connection.status_changed',
      'connection.status_changed',
      'connection.deleted',
    ]);
    expect(of(runId)).toEqual(['sync.run.started', 'sync.run.completed']);
    expect(of(keyId)).toEqual(['api_key.created', 'api_key.revoked']);
    const statuses = rows.filter((e) => e.subject_id === id && e.type === 'connection.status_changed');
    expect(statuses.map((e) => e.payload)).toEqual([
      { from: 'pending_setup', to: 'configuring' },
      { from: 'configuring', to: 'connected' },
      { from: 'connected', to: 'syncing' },
      { from: 'syncing', to: 'connected' },
    ]);

    for (const row of rows) {
      const type = EVENT_TYPES[row.type as EventTypeName];
      expect(type, row.type).toBeDefined();
      expect(row.version).toBe(type.version);
      expect(row.subject_type).toBe(type.subject);
      expect(Value.Errors(type.schema, row.payload), row.type).toEqual([]);
      expect(row.occurred_at).toBe(clock.now().toISOString());
    }
  });

  it('writes no event when the transaction rolls back', async () => {
    const before = (await stored(t)).length;
    await expect(
      t.ctx.database.db.transaction().execute(async (tx) => {
        await recordEvent(
          tx,
          { type: 'connection.deleted', orgId: admin.orgId, subjectId: 'gone', payload: { name: 'x' } },
          clock.now(),
        );
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // And the state change's own rollback takes its event along: deleting a syncing-free connection
    // that does not exist fails before anything is written.
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/api-keys/01900000-0000-7000-8000-000000000000',
      headers: admin.auth,
    });
    expect(missing.statusCode).toBe(404);
    expect(await stored(t)).toHaveLength(before);
  });

  describe('GET /events', () => {
    let org: SeededUser;
    beforeAll(async () => {
      org = await seedUser(t);
      const db = t.ctx.database.db;
      for (let i = 0; i < 5; i++) {
        const subject = { orgId: org.orgId, subjectId: `key-${i % 2}` };
        await recordEvent(
          db,
          i % 2
            ? { ...subject, type: 'api_key.revoked', payload: { name: `k${i}` } }
            : {
                ...subject,
                type: 'api_key.created',
                payload: { name: `k${i}`, scopes: [], expires_at: null },
              },
          new Date(Date.UTC(2030, 0, 1, 10, i)),
        );
      }
    });

    it('lists newest first and pages by cursor to the end', async () => {
      const first = await list('per_page=2', org);
      expect(first.data.map((e) => e.payload.name)).toEqual(['k4', 'k3']);
      expect(first.data[0]).toMatchObject({
        type: 'api_key.created',
        version: 1,
        subject: { type: 'api_key', id: 'key-0' },
        occurred_at: '2030-01-01T10:04:00.000Z',
      });
      const second = await list(`per_page=2&cursor=${first.pagination.next_cursor}`, org);
      expect(second.data.map((e) => e.payload.name)).toEqual(['k2', 'k1']);
      const third = await list(`per_page=2&cursor=${second.pagination.next_cursor}`, org);
      expect(third.data.map((e) => e.payload.name)).toEqual(['k0']);
      expect(third.pagination).toEqual({ per_page: 2, next_cursor: null });
    });

    it('filters by type, subject and time', async () => {
      expect((await list('type=api_key.revoked', org)).data.map((e) => e.payload.name)).toEqual(['k3', 'k1']);
      expect((await list('subject_id=key-0', org)).data.map((e) => e.payload.name)).toEqual([
        'k4',
        'k2',
        'k0',
      ]);
      const since = encodeURIComponent('2030-01-01T11:03:00+01:00');
      expect((await list(`since=${since}`, org)).data.map((e) => e.payload.name)).toEqual(['k4', 'k3']);
    });

    it("shows no other organisation's events", async () => {
      const theirs = await list('per_page=200', admin);
      expect(theirs.data.some((e) => e.subject.id === 'key-0')).toBe(false);
      expect(theirs.data.length).toBeGreaterThan(0);
    });

    it('needs events:read, and refuses bad input with a 400', async () => {
      const auditor = await seedUser(t, { orgId: org.orgId, role: 'auditor' });
      const denied = await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: auditor.auth });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.details).toEqual({ permission: 'events:read' });
      const viewer = await seedUser(t, { orgId: org.orgId, role: 'compliance_manager' });
      expect((await list('', viewer)).data).toHaveLength(5);
      for (const query of ['cursor=nope', 'type=nothing.happened', 'since=yesterday', 'per_page=0']) {
        const res = await t.app.inject({ method: 'GET', url: `/api/v1/events?${query}`, headers: org.auth });
        expect(res.statusCode, query).toBe(400);
        expect(res.json().error.code).toBe('VALIDATION_ERROR');
      }
    });
  });

  it('publishes the catalogue at GET /event-types', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/event-types', headers: admin.auth });
    expect(res.statusCode).toBe(200);
    const types = res.json().data as { name: string; version: number; schema: { type: string } }[];
    expect(types.map((e) => e.name)).toEqual(Object.keys(EVENT_TYPES));
    const started = types.find((e) => e.name === 'sync.run.started');
    expect(started).toMatchObject({ version: 1, subject_type: 'sync_run', schema: { type: 'object' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/event-types' })).statusCode).toBe(401);
  });

  describe('consumers', () => {
    let org: SeededUser;
    beforeAll(async () => {
      org = await seedUser(t);
    });
    const emit = (name: string) =>
      t.ctx.database.db
        .transaction()
        .execute((tx) =>
          recordEvent(
            tx,
            { type: 'connection.deleted', orgId: org.orgId, subjectId: name, payload: { name } },
            clock.now(),
          ),
        );
    const mine = (events: readonly StoredEvent[]) =>
      events.filter((e) => e.org_id === org.orgId).map((e) => e.subject_id);

    it('reads after its durable cursor, in order, and a restarted consumer resumes after it', async () => {
      const name = uniqueName('consumer');
      const seen: string[] = [];
      let failNext = true;
      const handler = async (events: readonly StoredEvent[]) => {
        // At least once: a failed batch is handed again.
        if (failNext && mine(events).includes('b')) {
          failNext = false;
          throw new Error('handler failed');
        }
        seen.push(...mine(events));
      };
      const first = t.app.services.events.consumer(name, handler, { batchSize: 2, pollMs: 60_000 });
      await emit('a');
      await emit('b');
      await first.drain().catch(() => undefined);
      await first.drain();
      await emit('c');
      await first.drain();
      expect(seen).toEqual(['a', 'b', 'c']);
      await first.stop();

      await emit('d');
      const again = t.app.services.events.consumer(name, handler, { pollMs: 60_000 });
      await again.drain();
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
      await again.stop();
    });

    it('is woken in-process after a commit (its poll is a minute away)', async () => {
      const seen: string[] = [];
      const consumer = t.app.services.events.consumer(
        uniqueName('woken'),
        async (events) => {
          seen.push(...mine(events));
        },
        { pollMs: 60_000 },
      );
      consumer.start();
      await consumer.idle();
      // A new consumer starts at the beginning of the outbox.
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
      seen.length = 0;
      await emit('woken');
      await vi.waitFor(() => expect(seen).toEqual(['woken']), { timeout: 5_000, interval: 5 });
      await consumer.stop();
    });
  });

  it('prunes events past the retention period on the scheduler tick', async () => {
    const org = await seedUser(t);
    await recordEvent(
      t.ctx.database.db,
      {
        type: 'member.removed',
        orgId: org.orgId,
        subjectId: org.id,
        payload: { user_id: org.id, role: 'member' },
      },
      clock.now(),
    );
    const count = async () =>
      (await stored(t)).filter((e) => e.org_id === org.orgId && e.type === 'member.removed').length;
    clock.advance(29 * 86_400_000);
    await t.worker!.tick();
    expect(await count()).toBe(1);
    clock.advance(2 * 86_400_000);
    await t.worker!.tick();
    expect(await count()).toBe(0);
  });
});

describe.runIf(REDIS_URL)('event consumers across processes', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await suiteDatabase();
    const env = { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `${uniqueName('sbtest')}:` };
    a = await testApp({ database: db, env });
    b = await testApp({ database: db, env, migrate: false });
    for (const t of [a, b]) {
      while (!t.app.services.invalidation.reliable) await new Promise((r) => setTimeout(r, 10));
    }
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('wakes a consumer in one process for an event committed in another', async () => {
    const org = await seedUser(a);
    const seen: string[] = [];
    const consumer = b.app.services.events.consumer(
      uniqueName('remote'),
      async (events) => {
        seen.push(...events.filter((e) => e.org_id === org.orgId).map((e) => e.subject_id));
      },
      { pollMs: 600_000 },
    );
    consumer.start();
    await consumer.idle();
    await a.ctx.database.db
      .transaction()
      .execute((tx) =>
        recordEvent(
          tx,
          { type: 'connection.deleted', orgId: org.orgId, subjectId: 'x', payload: { name: 'x' } },
          new Date(),
        ),
      );
    await vi.waitFor(() => expect(seen).toEqual(['x']), { timeout: 5_000, interval: 5 });
    await consumer.stop();
  });
});

describe.runIf(DATABASE_URL)('event consumers on PostgreSQL', () => {
  let t: TestApp;
  let other: TestDatabase & { url: string };
  const clients: pg.Client[] = [];
  /** A transaction holding a transaction id, left open until `end`. */
  const openTransaction = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    clients.push(client);
    await client.connect();
    await client.query('begin');
    await client.query('select pg_current_xact_id()');
    return { end: () => client.query('rollback') };
  };
  beforeAll(async () => {
    t = await testApp({});
    other = await postgresDatabase(DATABASE_URL!);
  });
  afterAll(async () => {
    for (const client of clients) await client.end();
    await t.close();
    await other.drop();
  });

  it("reads past a transaction left open in another database, never past one of its own database's", async () => {
    const org = await seedUser(t);
    const seen: string[] = [];
    const consumer = t.app.services.events.consumer(
      uniqueName('settled'),
      async (events) => {
        seen.push(...events.filter((e) => e.org_id === org.orgId).map((e) => e.subject_id));
      },
      { pollMs: 600_000 },
    );
    const emit = (name: string) =>
      t.ctx.database.db
        .transaction()
        .execute((tx) =>
          recordEvent(
            tx,
            { type: 'connection.deleted', orgId: org.orgId, subjectId: name, payload: { name } },
            new Date(),
          ),
        );

    // Other test files share this database: their short transactions may hold a read back briefly.
    const drainedTo = (expected: string[]) =>
      vi.waitFor(
        async () => {
          await consumer.drain();
          expect(seen).toEqual(expected);
        },
        { timeout: 5_000, interval: 20 },
      );

    const elsewhere = await openTransaction(other.url);
    await emit('a');
    await drainedTo(['a']);

    // The test's own database: the open transaction could still record an event before `b`.
    const here = await openTransaction(DATABASE_URL!);
    await emit('b');
    await consumer.drain();
    expect(seen).toEqual(['a']);
    await here.end();
    await drainedTo(['a', 'b']);

    await elsewhere.end();
    await consumer.stop();
  });
});

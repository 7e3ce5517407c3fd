import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/modules/events/outbox.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { apiAs } from './api.js';

const URL_OK = 'https://93.184.216.34/h';

describe('fan-out: outbox events become one message per subscribed endpoint', () => {
  let t: TestApp;
  let admin: SeededUser;
  let call: ReturnType<typeof apiAs>;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({ clock });
    admin = await seedUser(t);
    call = apiAs(t, admin);
    await call('POST', '/event-types', { name: 'invoice.paid' });
  });
  afterAll(() => t.close());

  const endpoint = async (as: ReturnType<typeof apiAs>, body: object) => {
    const res = await as('POST', '/webhook-endpoints', { url: URL_OK, name: `E ${Math.random()}`, ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id as string;
  };
  const messagesOf = (eventId: string) =>
    t.ctx.database.db
      .selectFrom('webhook_messages')
      .selectAll()
      .where('event_id', '=', eventId)
      .orderBy('endpoint_id')
      .execute();
  const drain = () => t.app.services.webhookFanOut.consumer.drain();

  it('matches exact types, wildcards and empty lists; skips disabled, non-matching and other orgs’ endpoints; never twice', async () => {
    const all = await endpoint(call, {});
    const exact = await endpoint(call, { event_types: ['connection.created'] });
    const wildcard = await endpoint(call, { event_types: ['connection.*'] });
    const other = await endpoint(call, { event_types: ['sync.run.*', 'invoice.paid'] });
    await endpoint(call, { event_types: ['connection.*'], enabled: false });
    const elsewhere = apiAs(t, await seedUser(t));
    await endpoint(elsewhere, {});
    await drain();

    const subjectId = 'conn-1';
    await t.ctx.database.db.transaction().execute((tx) =>
      recordEvent(
        tx,
        {
          type: 'connection.created',
          orgId: admin.orgId,
          subjectId,
          payload: { name: 'N', connector: 'demo', definition_id: 'd', status: 'pending_setup' },
        },
        clock.now(),
      ),
    );
    expect(await drain()).toBeGreaterThan(0);
    const event = await t.ctx.database.db
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .executeTakeFirstOrThrow();
    const messages = await messagesOf(event.id);
    expect(messages.map((m) => m.endpoint_id).sort()).toEqual([all, exact, wildcard].sort());
    expect(messages.map((m) => m.endpoint_id)).not.toContain(other);
    expect(messages[0]).toMatchObject({ status: 'pending', event_type: 'connection.created', attempts: 0 });
    expect(messages[0]?.next_attempt_at).toBe(clock.now().toISOString());
    expect(messages[0]?.payload).toEqual({
      type: 'connection.created',
      timestamp: event.occurred_at,
      data: {
        name: 'N',
        connector: 'demo',
        definition_id: 'd',
        status: 'pending_setup',
        event_id: event.id,
        org_id: admin.orgId,
        subject_type: 'connection',
        subject_id: subjectId,
      },
    });

    // At least once upstream, exactly once here: the same batch handled again adds nothing.
    expect(await t.app.services.webhookFanOut.handle([{ ...event }])).toBe(0);
    expect(await messagesOf(event.id)).toHaveLength(3);
  });

  it('delivers a published event to the endpoints subscribed to its declared type, with its payload as data', async () => {
    const subscribed = await endpoint(call, { event_types: ['invoice.*'] });
    await endpoint(call, { event_types: ['sync.run.*'] });
    await drain();
    const published = await call('POST', '/events', { type: 'invoice.paid', payload: { amount: 3 } });
    const id = published.json().data.id;
    await drain();
    const messages = (await messagesOf(id)).filter((m) => m.org_id === admin.orgId);
    const ids = messages.map((m) => m.endpoint_id);
    expect(ids).toContain(subscribed);
    expect(messages.find((m) => m.endpoint_id === subscribed)?.payload).toEqual({
      type: 'invoice.paid',
      timestamp: published.json().data.occurred_at,
      data: { event_id: id, amount: 3 },
    });
  });

  it('runs in the processes that do background work: a recorded event reaches the endpoint unprompted', async () => {
    const w = await testApp({ worker: true, queueBackend: 'in-process' });
    try {
      const owner = await seedUser(w);
      const as = apiAs(w, owner);
      const res = await as('POST', '/webhook-endpoints', {
        url: URL_OK,
        name: 'w',
        event_types: ['member.*'],
      });
      const id = res.json().data.id;
      await w.ctx.database.db.transaction().execute((tx) =>
        recordEvent(
          tx,
          {
            type: 'member.added',
            orgId: owner.orgId,
            subjectId: owner.id,
            payload: { user_id: owner.id, role: 'member' },
          },
          w.ctx.clock.now(),
        ),
      );
      await expect
        .poll(
          async () =>
            (
              await w.ctx.database.db
                .selectFrom('webhook_messages')
                .select('id')
                .where('endpoint_id', '=', id)
                .execute()
            ).length,
        )
        .toBe(1);
    } finally {
      await w.close();
    }
  });
});

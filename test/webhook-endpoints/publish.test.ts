import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { apiAs, fieldsOf } from './api.js';

describe('publishing the org’s own events', () => {
  let t: TestApp;
  let admin: SeededUser;
  let call: ReturnType<typeof apiAs>;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({ clock, worker: true });
    admin = await seedUser(t);
    call = apiAs(t, admin);
    await call('POST', '/event-types', {
      name: 'invoice.paid',
      schema: { type: 'object', properties: { amount: { type: 'integer' } }, required: ['amount'] },
    });
    await call('POST', '/event-types', { name: 'invoice.voided' });
  });
  afterAll(() => t.close());

  const stored = (id: string) =>
    t.ctx.database.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  const countOf = async (type: string) =>
    (
      await t.ctx.database.db
        .selectFrom('events')
        .select('id')
        .where('org_id', '=', admin.orgId)
        .where('type', '=', type)
        .execute()
    ).length;

  it('records a declared type’s valid event in the outbox: 202 with its id', async () => {
    const res = await call('POST', '/events', { type: 'invoice.paid', payload: { amount: 12 } });
    expect(res.statusCode, res.body).toBe(202);
    const event = res.json().data;
    expect(event).toMatchObject({ type: 'invoice.paid', version: 1, payload: { amount: 12 } });
    expect(await stored(event.id)).toMatchObject({
      org_id: admin.orgId,
      type: 'invoice.paid',
      subject_type: 'org',
      subject_id: admin.orgId,
      payload: { amount: 12 },
    });
    const listed = await call('GET', '/events?per_page=5');
    expect(listed.json().data.map((e: { id: string }) => e.id)).toContain(event.id);
    // Not audited (as Svix and Stripe do not audit message creation): the event is its own record.
    const audited = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('target_id', '=', event.id)
      .execute();
    expect(audited).toEqual([]);
  });

  it('refuses undeclared types (422 naming the type) and payloads failing the schema (400 naming fields)', async () => {
    const undeclared = await call('POST', '/events', { type: 'invoice.lost', payload: {} });
    expect(undeclared.statusCode).toBe(422);
    expect(undeclared.json().error).toMatchObject({
      code: 'EVENT_TYPE_NOT_DECLARED',
      details: { type: 'invoice.lost' },
    });
    const catalogue = await call('POST', '/events', { type: 'connection.created', payload: {} });
    expect(catalogue.statusCode).toBe(422);
    const invalid = await call('POST', '/events', { type: 'invoice.paid', payload: { amount: 'ten' } });
    expect(invalid.statusCode).toBe(400);
    expect(fieldsOf(invalid)).toEqual(['payload.amount']);
    const missing = await call('POST', '/events', { type: 'invoice.paid', payload: {} });
    expect(fieldsOf(missing)).toEqual(['payload.amount']);
  });

  it('publishes one event for requests racing with the same Idempotency-Key', async () => {
    const key = { 'idempotency-key': `race-${Math.random()}` };
    const before = await countOf('invoice.voided');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        call('POST', '/events', { type: 'invoice.voided', payload: { n: 1 } }, key),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.json().data.id)).size).toBe(1);
    expect(await countOf('invoice.voided')).toBe(before + 1);
    const [row] = await t.ctx.database.db
      .selectFrom('published_event_keys')
      .selectAll()
      .where('key', '=', key['idempotency-key'])
      .execute();
    expect(row?.event_id).toBe(answers[0]!.json().data.id);
  });

  it('honours an Idempotency-Key for 24 hours: the same request → one event; another body → 422', async () => {
    const key = { 'idempotency-key': `k-${Math.random()}` };
    const before = await countOf('invoice.voided');
    const first = await call('POST', '/events', { type: 'invoice.voided', payload: { a: 1, b: 2 } }, key);
    expect(first.statusCode).toBe(202);
    const again = await call('POST', '/events', { payload: { b: 2, a: 1 }, type: 'invoice.voided' }, key);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().data.id).toBe(first.json().data.id);
    expect(await countOf('invoice.voided')).toBe(before + 1);
    const other = await call('POST', '/events', { type: 'invoice.voided', payload: { a: 2 } }, key);
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Another org's same key is its own.
    const elsewhere = apiAs(t, await seedUser(t));
    await elsewhere('POST', '/event-types', { name: 'invoice.voided' });
    const theirs = await elsewhere('POST', '/events', { type: 'invoice.voided', payload: { a: 2 } }, key);
    expect(theirs.statusCode).toBe(202);

    clock.advance(24 * 3_600_000 + 1);
    // A new session: the first one timed out meanwhile.
    const later = await apiAs(t, await seedUser(t, { orgId: admin.orgId }))(
      'POST',
      '/events',
      { type: 'invoice.voided', payload: { a: 2 } },
      key,
    );
    expect(later.statusCode).toBe(202);
    expect(later.json().data.id).not.toBe(first.json().data.id);
    expect(await countOf('invoice.voided')).toBe(before + 2);
  });

  it('forgets Idempotency-Keys past their 24 hours on the scheduler tick', async () => {
    const keyRow = (key: string) =>
      t.ctx.database.db
        .selectFrom('published_event_keys')
        .select('key')
        .where('org_id', '=', admin.orgId)
        .where('key', '=', key)
        .executeTakeFirst();
    // A new session: earlier tests moved the clock past the first one's life.
    const publish = apiAs(t, await seedUser(t, { orgId: admin.orgId }));
    const key = `expiring-${Math.random()}`;
    const first = await publish(
      'POST',
      '/events',
      { type: 'invoice.voided', payload: {} },
      { 'idempotency-key': key },
    );
    expect(first.statusCode).toBe(202);
    clock.advance(23 * 3_600_000);
    await t.worker!.tick();
    expect(await keyRow(key)).toBeDefined();
    clock.advance(3_600_000 + 1);
    await t.worker!.tick();
    expect(await keyRow(key)).toBeUndefined();
  });

  it('is allowed to the operating roles (events:publish) and refused to viewers', async () => {
    for (const [role, status] of [
      ['devops_engineer', 202],
      ['it_admin', 202],
      ['compliance_manager', 403],
      ['member', 403],
    ] as const) {
      const user = await seedUser(t, { orgId: admin.orgId, role });
      const res = await apiAs(t, user)('POST', '/events', { type: 'invoice.voided', payload: {} });
      expect([role, res.statusCode]).toEqual([role, status]);
    }
  });
});

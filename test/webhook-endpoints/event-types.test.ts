import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/modules/events/catalogue.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { apiAs, fieldsOf } from './api.js';

describe('event types: the catalogue and the org’s own', () => {
  let t: TestApp;
  let admin: SeededUser;
  let call: ReturnType<typeof apiAs>;

  beforeAll(async () => {
    t = await testApp();
    admin = await seedUser(t);
    call = apiAs(t, admin);
  });
  afterAll(() => t.close());

  const schema = {
    type: 'object',
    properties: { amount: { type: 'integer', minimum: 0 }, currency: { type: 'string' } },
    required: ['amount'],
  };

  it('declares a type with a schema, lists it after the catalogue for that org only, changes and removes it', async () => {
    const declared = await call('POST', '/event-types', {
      name: 'invoice.paid',
      description: 'Paid',
      schema,
    });
    expect(declared.statusCode, declared.body).toBe(201);
    const listed = (await call('GET', '/event-types')).json().data as { name: string; source: string }[];
    expect(listed.slice(0, -1).map((e) => e.name)).toEqual(Object.keys(EVENT_TYPES));
    expect(listed.at(-1)).toMatchObject({ name: 'invoice.paid', source: 'org', description: 'Paid', schema });
    expect(listed[0]?.source).toBe('switchboard');
    const other = apiAs(t, await seedUser(t));
    expect(
      (await other('GET', '/event-types')).json().data.map((e: { name: string }) => e.name),
    ).not.toContain('invoice.paid');
    expect((await other('PATCH', '/event-types/invoice.paid', { description: 'x' })).statusCode).toBe(404);

    expect((await call('POST', '/event-types', { name: 'invoice.paid' })).statusCode).toBe(409);
    const changed = await call('PATCH', '/event-types/invoice.paid', {
      description: 'Settled',
      schema: null,
    });
    expect(changed.json().data).toMatchObject({ description: 'Settled', schema: {} });
    expect((await call('DELETE', '/event-types/invoice.paid')).statusCode).toBe(204);
    expect((await call('DELETE', '/event-types/invoice.paid')).statusCode).toBe(404);
  });

  it('refuses a schema that is not a JSON Schema, reserved namespaces and malformed names', async () => {
    const badSchema = await call('POST', '/event-types', {
      name: 'order.placed',
      schema: { type: 'nonsense' },
    });
    expect(badSchema.statusCode).toBe(400);
    expect(fieldsOf(badSchema)).toEqual(['schema']);
    const slow = await call('POST', '/event-types', {
      name: 'order.placed',
      schema: { type: 'string', pattern: '^(a)\\1$' },
    });
    expect(fieldsOf(slow)).toEqual(['schema']);
    for (const name of ['connection.created', 'sync.custom', 'webhook.test']) {
      const res = await call('POST', '/event-types', { name });
      expect([name, res.statusCode, fieldsOf(res)]).toEqual([name, 400, ['name']]);
    }
    expect((await call('POST', '/event-types', { name: 'Invoice Paid' })).statusCode).toBe(400);
  });

  it('lets endpoints subscribe to the org’s declared types and their wildcards', async () => {
    const url = 'https://93.184.216.34/h';
    expect(
      (await call('POST', '/webhook-endpoints', { url, name: 'a', event_types: ['shipment.*'] })).statusCode,
    ).toBe(400);
    await call('POST', '/event-types', { name: 'shipment.sent' });
    const ok = await call('POST', '/webhook-endpoints', {
      url,
      name: 'b',
      event_types: ['shipment.*', 'shipment.sent'],
    });
    expect(ok.statusCode).toBe(201);
  });

  it('only webhooks:manage declares types; every signed-in member reads them', async () => {
    const member = apiAs(t, await seedUser(t, { orgId: admin.orgId, role: 'member' }));
    expect((await member('POST', '/event-types', { name: 'thing.done' })).statusCode).toBe(403);
    expect((await member('GET', '/event-types')).statusCode).toBe(200);
  });
});

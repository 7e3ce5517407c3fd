import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FromSchema } from 'json-schema-to-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorAction, ConnectorDefinition } from '../../src/connectors/sdk.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

const definition: ConnectorDefinition = {
  slug: 'notifier',
  name: 'Notifier',
  provider: 'notifier',
  category: 'communication',
  shortDescription: 'Posts notices to a local provider.',
  description: 'A test connector whose one action posts a notice to the provider at its base URL.',
  iconUrl: 'https://example.com/icon.svg',
  authType: 'api_key',
  configSchema: {
    type: 'object',
    required: ['token', 'base_url'],
    properties: {
      token: { type: 'string', format: 'password' },
      base_url: { type: 'string', format: 'uri' },
    },
  },
  capabilities: ['send_notifications'],
  entities: [],
  version: '1.0.0',
  tags: ['test'],
  api: {
    baseUrl: 'https://notifier.invalid/',
    credential: { kind: 'header', header: 'authorization', prefix: 'Bearer ', field: 'token' },
  },
};

const noticeInput = {
  type: 'object',
  required: ['channel', 'text'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string', minLength: 1 },
    text: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

const notify: ConnectorAction<Record<string, unknown>, FromSchema<typeof noticeInput>, { id: string }> = {
  description: 'Posts a notice to a channel.',
  inputSchema: noticeInput,
  run: (ctx, input) =>
    ctx.json<{ id: string }>('/notices', 'Posting a notice', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    }),
};

const notifier: Connector = {
  definition,
  test: async () => ({ ok: true, message: 'Connected', details: {} }),
  actions: { notify },
};

type Answer = { status: number; body: string; headers?: Record<string, string> };

/** Runs actions through the API against a provider that answers from a script and records what it got. */
describe('connector actions', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let provider: Server;
  let baseUrl: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const script: Answer[] = [];

  beforeAll(async () => {
    provider = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const answer = script.shift() ?? {
          status: 200,
          body: JSON.stringify({ id: `notice-${received.length}` }),
        };
        res
          .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
          .end(answer.body);
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/`;
    t = await testApp({ connectors: [notifier], env: SYNC_TEST_ENV });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => provider.close(() => resolve()));
  });

  it('lists the connector’s actions with their input schemas', async () => {
    const id = await h.connected('notifier', { token: 't', base_url: baseUrl });
    const res = await h.call('GET', `/integration-connections/${id}/actions`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([
      { name: 'notify', description: 'Posts a notice to a channel.', input_schema: noticeInput },
    ]);
  });

  it('runs an action with the connection’s credential and returns its output, audited', async () => {
    const id = await h.connected('notifier', { token: 'secret-token', base_url: baseUrl });
    const before = received.length;
    const res = await h.call('POST', `/integration-connections/${id}/actions/notify`, {
      input: { channel: 'C1', text: 'Sync failed' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ action: 'notify', output: { id: `notice-${before + 1}` } });
    expect(received.at(-1)?.headers.authorization).toBe('Bearer secret-token');
    expect(JSON.parse(received.at(-1)!.body)).toEqual({ channel: 'C1', text: 'Sync failed' });
    const audit = await h.call('GET', `/audit-logs?action=connection.action.notify`);
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.json().data.map((e: { target_id: string }) => e.target_id)).toContain(id);
  });

  it('refuses input its schema refuses, naming the field, without calling the provider', async () => {
    const id = await h.connected('notifier', { token: 't', base_url: baseUrl });
    const before = received.length;
    const res = await h.call('POST', `/integration-connections/${id}/actions/notify`, {
      input: { channel: 'C1', text: 'x'.repeat(101) },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.fields).toEqual([expect.objectContaining({ field: 'input.text' })]);
    const missing = await h.call('POST', `/integration-connections/${id}/actions/notify`, {});
    expect(missing.statusCode).toBe(400);
    expect(received.length).toBe(before);
  });

  it('answers the provider’s refusal as 422 with its reason, and its unavailability as 503', async () => {
    const id = await h.connected('notifier', { token: 't', base_url: baseUrl });
    script.push({ status: 404, body: '{"error":"channel_not_found"}' });
    const refused = await h.call('POST', `/integration-connections/${id}/actions/notify`, {
      input: { channel: 'nope', text: 'hi' },
    });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'ACTION_REJECTED',
      details: {
        failure_class: 'permanent',
        http_status: 404,
        provider_message: '{"error":"channel_not_found"}',
      },
    });
    script.push({ status: 503, body: 'maintenance' });
    const down = await h.call('POST', `/integration-connections/${id}/actions/notify`, {
      input: { channel: 'C1', text: 'hi' },
    });
    expect(down.statusCode, down.body).toBe(503);
    expect(down.json().error).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      details: { failure_class: 'transient' },
    });
  });

  it('is a 404 for an unknown action or another org’s connection, and 422 before the connection is connected', async () => {
    const id = await h.connected('notifier', { token: 't', base_url: baseUrl });
    const unknown = await h.call('POST', `/integration-connections/${id}/actions/launch`, { input: {} });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('ACTION_NOT_FOUND');
    const stranger = await seedUser(t);
    const hidden = await syncHarness(t, stranger).call(
      'POST',
      `/integration-connections/${id}/actions/notify`,
      {
        input: { channel: 'C1', text: 'hi' },
      },
    );
    expect(hidden.statusCode).toBe(404);
    const fresh = await h.create('notifier', { token: 't', base_url: baseUrl });
    const early = await h.call('POST', `/integration-connections/${fresh}/actions/notify`, {
      input: { channel: 'C1', text: 'hi' },
    });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe('CONNECTION_NOT_CONNECTED');
  });

  it('is refused to roles that only view connections', async () => {
    const id = await h.connected('notifier', { token: 't', base_url: baseUrl });
    const viewer = await seedUser(t, { orgId: admin.orgId, role: 'compliance_manager' });
    const res = await syncHarness(t, viewer).call('POST', `/integration-connections/${id}/actions/notify`, {
      input: { channel: 'C1', text: 'hi' },
    });
    expect(res.statusCode).toBe(403);
    const listed = await syncHarness(t, viewer).call('GET', `/integration-connections/${id}/actions`);
    expect(listed.statusCode).toBe(200);
  });
});

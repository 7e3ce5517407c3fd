import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JsonValue } from '../src/api/types';
import { fakeApi, meAs, OPERATOR, renderApp, sessionBody, testServices, VIEWER } from './helpers';

const ENDPOINT = {
  id: 'ep-1',
  name: 'Billing',
  description: null,
  url: 'https://billing.example.com/hooks',
  event_types: ['sync.*'],
  enabled: true,
  disabled_reason: null,
  rate_limit_per_second: null,
  retry_policy: null,
  ordered: false,
  failing_since: null,
  previous_secret_expires_at: null,
  created_at: '2026-12-07T04:00:00.000Z',
  updated_at: '2026-12-07T04:00:00.000Z',
};
const DELIVERY = {
  id: 'del-1',
  endpoint_id: 'ep-1',
  event_id: 'e-1',
  event_type: 'sync.run.completed',
  status: 'failed',
  attempts: 2,
  next_attempt_at: null,
  last_status_code: 500,
  last_error: 'HTTP 500',
  created_at: '2026-12-07T04:10:00.000Z',
  updated_at: '2026-12-07T04:11:00.000Z',
  delivered_at: null,
};
const page = (data: JsonValue[]) => ({
  data,
  pagination: { page: 1, per_page: 20, total: data.length, total_pages: 1 },
});
const TYPES = {
  data: [
    {
      name: 'sync.run.completed',
      description: 'A run completed',
      version: 1,
      subject_type: 'sync_run',
      schema: {},
      source: 'switchboard',
    },
  ],
};

async function open(
  permissions: string[],
  routes: Parameters<typeof fakeApi>[0] = {},
  path = '/webhook-endpoints',
) {
  const fake = fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs('role', permissions),
    'GET /webhook-endpoints': page([ENDPOINT]),
    'GET /event-types': TYPES,
    'GET /webhook-endpoints/ep-1/stats': {
      data: {
        window_hours: 24,
        since: '2026-12-06T05:00:00.000Z',
        attempts: 4,
        succeeded: 3,
        failed: 1,
        success_rate: 75,
        latency_ms: { p50: 120, p95: 900 },
      },
    },
    'GET /webhook-endpoints/ep-1/deliveries': page([DELIVERY]),
    ...routes,
  });
  const services = testServices(fake.fetch);
  await services.session.restore();
  renderApp(services, path);
  return fake;
}

const item = async () =>
  (await screen.findByRole('heading', { level: 3, name: /Billing/ })).closest('li') as HTMLElement;

afterEach(() => vi.restoreAllMocks());

describe('webhooks out', () => {
  it('adds an endpoint, shows its secret once, and not after navigating away and back', async () => {
    const fake = await open(OPERATOR, {
      'POST /webhook-endpoints': { status: 201, body: { data: { ...ENDPOINT, secret: 'whsec_abc' } } },
      'GET /events': { data: [], pagination: { per_page: 50, next_cursor: null } },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add an endpoint' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Billing' } });
    fireEvent.change(screen.getByLabelText('URL'), {
      target: { value: 'https://billing.example.com/hooks' },
    });
    fireEvent.change(screen.getByLabelText('Event types (optional)'), {
      target: { value: 'sync.*, connection.created' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add endpoint' }));
    expect(((await screen.findByLabelText('Signing secret')) as HTMLInputElement).value).toBe('whsec_abc');
    expect(
      fake.calls.find((call) => call.method === 'POST' && call.path === '/webhook-endpoints')!.body,
    ).toEqual({
      name: 'Billing',
      url: 'https://billing.example.com/hooks',
      event_types: ['sync.*', 'connection.created'],
    });

    fireEvent.click(screen.getByRole('link', { name: 'Events' }));
    await screen.findByRole('heading', { level: 1, name: 'Events' });
    fireEvent.click(screen.getByRole('link', { name: 'Webhooks out' }));
    await item();
    expect(screen.queryByLabelText('Signing secret')).toBeNull();
    expect(document.body.textContent).not.toContain('whsec_abc');
  });

  it('edits event types with wildcards, disables, rotates with an overlap, and sends a test', async () => {
    const fake = await open(OPERATOR, {
      'PATCH /webhook-endpoints/ep-1': (call) => ({ data: { ...ENDPOINT, ...(call.body as object) } }),
      'POST /webhook-endpoints/ep-1/rotate-secret': {
        data: { id: 'ep-1', secret: 'whsec_rotated', previous_secret_expires_at: null },
      },
      'POST /webhook-endpoints/ep-1/test': {
        status: 202,
        body: { data: { message_id: 'm', event_id: 'e', event_type: 'webhook.test' } },
      },
    });
    const li = await item();
    fireEvent.click(within(li).getByRole('button', { name: 'Edit event types of Billing' }));
    fireEvent.change(within(li).getByLabelText('Event types'), {
      target: { value: 'connection.*, sync.run.failed' },
    });
    fireEvent.click(within(li).getByRole('button', { name: 'Save event types' }));
    await waitFor(() =>
      expect(fake.calls.find((call) => call.method === 'PATCH')?.body).toEqual({
        event_types: ['connection.*', 'sync.run.failed'],
      }),
    );

    fireEvent.click(within(li).getByRole('button', { name: 'Disable Billing' }));
    await waitFor(() =>
      expect(fake.calls.filter((call) => call.method === 'PATCH').at(-1)?.body).toEqual({ enabled: false }),
    );

    fireEvent.click(within(li).getByRole('button', { name: 'Send a test to Billing' }));
    expect(await within(li).findByText(/A webhook.test message is queued/)).toBeTruthy();

    fireEvent.click(within(li).getByRole('button', { name: 'Rotate secret of Billing' }));
    fireEvent.change(within(li).getByLabelText('Old secret keeps signing for'), { target: { value: '0' } });
    fireEvent.click(within(li).getByRole('button', { name: 'Rotate now' }));
    expect(((await screen.findByLabelText('Signing secret')) as HTMLInputElement).value).toBe(
      'whsec_rotated',
    );
    expect(fake.calls.find((call) => call.path.endsWith('/rotate-secret'))!.body).toEqual({
      overlap_hours: 0,
    });
  });

  it('shows deliveries with attempts, status codes and response bodies; redelivers and recovers', async () => {
    const fake = await open(OPERATOR, {
      'GET /webhook-endpoints/ep-1/deliveries/del-1': {
        data: {
          ...DELIVERY,
          payload: { type: 'sync.run.completed' },
          history: [
            {
              id: 'a1',
              attempt: 1,
              url: ENDPOINT.url,
              status_code: 500,
              duration_ms: 80,
              response_body: 'upstream exploded',
              error: null,
              created_at: DELIVERY.created_at,
            },
          ],
        },
      },
      'POST /webhook-endpoints/ep-1/deliveries/del-1/redeliver': {
        status: 202,
        body: { data: { ...DELIVERY, status: 'pending' } },
      },
      'POST /webhook-endpoints/ep-1/recover': { status: 202, body: { data: { since: 'x', queued: 4 } } },
    });
    const li = await item();
    fireEvent.click(within(li).getByRole('button', { name: 'Deliveries and stats of Billing' }));
    expect(await within(li).findByText('75%')).toBeTruthy();
    fireEvent.change(within(li).getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() =>
      expect(
        fake.calls
          .filter((call) => call.path === '/webhook-endpoints/ep-1/deliveries')
          .at(-1)!
          .query.get('status'),
      ).toBe('failed'),
    );
    fireEvent.click(
      await within(li).findByRole('button', { name: 'Attempts and body of sync.run.completed' }),
    );
    const attempts = await within(li).findByRole('table', { name: 'Attempts' });
    expect(within(attempts).getByText('500')).toBeTruthy();
    expect(within(attempts).getByText('upstream exploded')).toBeTruthy();

    fireEvent.click(within(li).getByRole('button', { name: 'Redeliver sync.run.completed' }));
    expect(await within(li).findByText(/Queued again/)).toBeTruthy();

    fireEvent.change(within(li).getByLabelText(/created since/), { target: { value: '2026-12-01T10:00' } });
    fireEvent.click(within(li).getByRole('button', { name: 'Recover' }));
    expect(await within(li).findByText('4 deliveries queued again.')).toBeTruthy();
    const since = (fake.calls.find((call) => call.path.endsWith('/recover'))!.body as { since: string })
      .since;
    expect(since).toBe(new Date('2026-12-01T10:00').toISOString());
  });

  it('declares an event type with a JSON Schema, and refuses a schema that is not JSON before sending', async () => {
    const fake = await open(OPERATOR, {
      'POST /event-types': {
        status: 201,
        body: { data: { ...TYPES.data[0], name: 'invoice.paid', source: 'org' } },
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Declare an event type' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'invoice.paid' } });
    const schema = screen.getByLabelText('JSON Schema of the payload (optional)');
    fireEvent.change(schema, { target: { value: '{"type": ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Declare' }));
    expect(await screen.findByText(/The schema is not valid JSON/)).toBeTruthy();
    expect(fake.calls.some((call) => call.path === '/event-types' && call.method === 'POST')).toBe(false);

    fireEvent.change(schema, { target: { value: '{"type": "object", "required": ["amount"]}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Declare' }));
    await waitFor(() =>
      expect(fake.calls.find((call) => call.path === '/event-types' && call.method === 'POST')?.body).toEqual(
        {
          name: 'invoice.paid',
          schema: { type: 'object', required: ['amount'] },
        },
      ),
    );
  });

  it('is left out of the navigation for a role without webhooks:manage', async () => {
    await open(VIEWER, { 'GET /integrations/dashboard': { status: 500, body: {} } }, '/webhook-endpoints');
    expect(await screen.findByText('Your role cannot see this page')).toBeTruthy();
    expect(
      within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Webhooks out' }),
    ).toBeNull();
  });
});

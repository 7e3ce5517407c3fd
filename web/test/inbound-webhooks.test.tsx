import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ADMIN,
  api,
  connectionPageRoutes,
  fakeApi,
  meAs,
  OPERATOR,
  renderApp,
  sessionBody,
  testServices,
} from './helpers';

const CONNECTION = api.connection;
const BASE = `/integration-connections/${CONNECTION.id}/webhooks`;
const WEBHOOK = {
  id: 'wh-1',
  connection_id: CONNECTION.id,
  name: 'GitHub pushes',
  description: null,
  webhook_url: 'http://localhost:8090/api/v1/webhooks/receive/wh-1',
  status: 'active',
  scheme: 'hmac',
  event_types: [],
  signature_header: 'X-Signature',
  signature_algo: 'sha256',
  rate_limit_per_minute: null,
  total_received: 3,
  total_processed: 2,
  total_failed: 1,
  last_received_at: '2026-12-07T04:20:47.950Z',
  last_error: null,
  created_at: '2026-12-07T04:00:00.000Z',
  updated_at: '2026-12-07T04:00:00.000Z',
};
const RECEIVED = {
  id: 'ev-1',
  connection_id: CONNECTION.id,
  webhook_id: 'wh-1',
  delivery_id: 'd-1',
  event_type: 'push',
  status: 'failed',
  error: 'Handler refused the payload',
  attempts: 2,
  next_attempt_at: null,
  received_at: '2026-12-07T04:20:47.950Z',
  processed_at: null,
};

async function open(permissions: string[], routes: Parameters<typeof fakeApi>[0] = {}) {
  const fake = fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs('role', permissions),
    ...connectionPageRoutes(CONNECTION),
    'GET /integration-connections': api.connections,
    [`GET ${BASE}`]: { data: [WEBHOOK] },
    ...routes,
  });
  const services = testServices(fake.fetch);
  await services.session.restore();
  renderApp(services, `/connections/${CONNECTION.id}`);
  const section = await screen.findByRole('region', { name: 'Inbound webhooks' });
  return { fake, section };
}

afterEach(() => vi.restoreAllMocks());

describe("the connection page's inbound webhooks", () => {
  it('creates a webhook, shows its secret once with a copy button, and not after navigating away and back', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { fake, section } = await open(OPERATOR, {
      [`POST ${BASE}`]: {
        status: 201,
        body: { data: { ...WEBHOOK, id: 'wh-1', webhook_secret: 'whsec_s3cret', message: 'Created' } },
      },
    });
    fireEvent.click(within(section).getByRole('button', { name: 'Create a webhook' }));
    fireEvent.change(within(section).getByLabelText('Name'), { target: { value: ' GitHub pushes ' } });
    fireEvent.change(within(section).getByLabelText('Event types (optional)'), {
      target: { value: 'push, pull_request,' },
    });
    fireEvent.click(within(section).getByRole('button', { name: 'Create webhook' }));

    const secret = (await within(section).findByLabelText('Webhook secret')) as HTMLInputElement;
    expect(secret.value).toBe('whsec_s3cret');
    expect(within(section).getByText(/it is not shown again/)).toBeTruthy();
    const post = fake.calls.find((call) => call.method === 'POST' && call.path === BASE)!;
    expect(post.body).toEqual({ name: 'GitHub pushes', event_types: ['push', 'pull_request'] });
    fireEvent.click(within(section).getByRole('button', { name: 'Copy the webhook secret' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('whsec_s3cret'));
    expect(await within(section).findByText('Copied.')).toBeTruthy();

    // Away to the connections list and back: the secret is gone.
    fireEvent.click(screen.getAllByRole('link', { name: 'Connections' })[0]!);
    await screen.findByRole('heading', { level: 1, name: 'Connections' });
    fireEvent.click(await screen.findByRole('link', { name: CONNECTION.name }));
    const again = await screen.findByRole('region', { name: 'Inbound webhooks' });
    await within(again).findByRole('heading', { name: /GitHub pushes/ });
    expect(within(again).queryByLabelText('Webhook secret')).toBeNull();
    expect(document.body.textContent).not.toContain('whsec_s3cret');
  });

  it('pauses and resumes with PATCH status', async () => {
    const { fake, section } = await open(OPERATOR, {
      [`PATCH ${BASE}/wh-1`]: (call) => ({ data: { ...WEBHOOK, ...(call.body as object) } }),
    });
    fireEvent.click(await within(section).findByRole('button', { name: 'Pause GitHub pushes' }));
    await waitFor(() =>
      expect(fake.calls.find((call) => call.method === 'PATCH')?.body).toEqual({ status: 'inactive' }),
    );
  });

  it('offers rotation only with webhooks:rotate, and shows the new secret once', async () => {
    const viewer = await open(OPERATOR);
    await within(viewer.section).findByRole('heading', { name: /GitHub pushes/ });
    expect(within(viewer.section).queryByRole('button', { name: /Rotate secret/ })).toBeNull();
    document.body.innerHTML = '';

    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { section } = await open(ADMIN, {
      [`POST ${BASE}/wh-1/rotate-secret`]: {
        data: { id: 'wh-1', webhook_secret: 'whsec_new', message: 'Rotated' },
      },
    });
    fireEvent.click(await within(section).findByRole('button', { name: 'Rotate secret of GitHub pushes' }));
    expect(((await within(section).findByLabelText('Webhook secret')) as HTMLInputElement).value).toBe(
      'whsec_new',
    );
    fireEvent.click(within(section).getByRole('button', { name: 'I have stored it' }));
    expect(within(section).queryByLabelText('Webhook secret')).toBeNull();
  });

  it('lists received events with a status filter, shows payload and headers, and replays', async () => {
    const { fake, section } = await open(OPERATOR, {
      [`GET ${BASE}/wh-1/events`]: {
        data: [RECEIVED],
        pagination: { page: 1, per_page: 20, total: 1, total_pages: 1 },
      },
      [`GET ${BASE}/wh-1/events/ev-1`]: {
        data: {
          ...RECEIVED,
          headers: { 'x-signature': '[redacted]', 'x-github-event': 'push' },
          payload: { ref: 'refs/heads/main' },
        },
      },
      [`POST ${BASE}/wh-1/events/ev-1/replay`]: {
        status: 202,
        body: { data: { id: 'ev-1', status: 'accepted', message: 'Queued for processing again.' } },
      },
    });
    fireEvent.click(await within(section).findByRole('button', { name: 'Received events of GitHub pushes' }));
    expect(await within(section).findByText('Handler refused the payload')).toBeTruthy();
    fireEvent.change(within(section).getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() =>
      expect(
        fake.calls
          .filter((call) => call.path === `${BASE}/wh-1/events`)
          .at(-1)!
          .query.get('status'),
      ).toBe('failed'),
    );

    fireEvent.click(within(section).getByRole('button', { name: 'Payload and headers of push' }));
    expect(await within(section).findByText(/refs\/heads\/main/)).toBeTruthy();
    expect(within(section).getByText(/x-github-event/)).toBeTruthy();

    fireEvent.click(within(section).getByRole('button', { name: 'Replay push' }));
    expect(await within(section).findByText('Queued for processing again.')).toBeTruthy();
    expect(
      fake.calls.some((call) => call.method === 'POST' && call.path === `${BASE}/wh-1/events/ev-1/replay`),
    ).toBe(true);
  });

  it('says what to do when there is none', async () => {
    const { section } = await open(OPERATOR, { [`GET ${BASE}`]: { data: [] } });
    expect(await within(section).findByText('No inbound webhooks yet')).toBeTruthy();
  });
});

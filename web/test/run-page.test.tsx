import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail } from '../src/api/runs';
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
  VIEWER,
} from './helpers';

const CONNECTION = api.connection;
const RUN_ID = api.runs.data[0]!.id;
const RUN_PATH = `/integration-connections/${CONNECTION.id}/runs/${RUN_ID}`;
const PAGE = `/connections/${CONNECTION.id}/runs/${RUN_ID}`;

function runDetail(status: string, itemsSynced: number) {
  const base = api.runs.data[0]!;
  const data = {
    ...base,
    status,
    completed_at: status === 'running' ? null : base.completed_at,
    duration_ms: status === 'running' ? null : base.duration_ms,
    stats: { ...base.stats, items_synced: itemsSynced },
    connection_name: CONNECTION.name,
    integration_name: 'Demo',
    scheduled_for: null,
    next_attempt_at: null,
    error_class: null,
    error_details: { failed_items: [{ item: 'user-7', error: 'Missing email' }] },
    max_retries: 3,
    log_counts: { debug: 0, info: 1, warn: 1, error: 59 },
    updated_at: base.created_at,
  } satisfies RunDetail;
  return { data };
}

const logs = (messages: string[]) => ({
  data: messages.map((message, index) => ({
    id: `log-${index}`,
    level: 'error',
    message,
    details: {},
    source: 'engine',
    item_ref: null,
    created_at: '2026-12-07T04:20:47.950Z',
  })),
  pagination: { page: 1, per_page: 50, total: 120, total_pages: 3 },
});

async function open(permissions: string[], routes: Parameters<typeof fakeApi>[0]) {
  const fake = fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs('role', permissions),
    [`GET ${RUN_PATH}/logs`]: logs(['Item user-7 failed']),
    ...routes,
  });
  const services = testServices(fake.fetch);
  await services.session.restore();
  renderApp(services, PAGE);
  return { fake, services };
}

afterEach(() => vi.useRealTimers());

describe('the run page', () => {
  it('polls every 2 seconds while the run moves, and stops once it has ended', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const answers = [runDetail('running', 10), runDetail('running', 40), runDetail('completed', 96)];
    const { fake } = await open(VIEWER, {
      [`GET ${RUN_PATH}`]: () => answers.shift() ?? runDetail('completed', 96),
    });
    const synced = () =>
      within(screen.getByRole('region', { name: 'Items' })).getByText('Synced').nextSibling?.textContent;
    await screen.findByRole('heading', { level: 1, name: 'Sync run' });
    expect(synced()).toBe('10');
    const runCalls = () => fake.calls.filter((call) => call.path === RUN_PATH).length;
    expect(runCalls()).toBe(1);

    await vi.advanceTimersByTimeAsync(2_000);
    await waitFor(() => expect(synced()).toBe('40'));
    await vi.advanceTimersByTimeAsync(2_000);
    await waitFor(() => expect(synced()).toBe('96'));
    expect(screen.getByText('Completed')).toBeTruthy();
    const afterEnd = runCalls();
    expect(afterEnd).toBe(3);

    // Ended: no more requests, however long the page stays open.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runCalls()).toBe(afterEnd);
  });

  it('maps the level filter, the search and the pager to the log endpoint’s parameters', async () => {
    const { fake } = await open(VIEWER, { [`GET ${RUN_PATH}`]: runDetail('partial', 96) });
    await screen.findByText('Item user-7 failed');
    const lastQuery = () => fake.calls.filter((call) => call.path === `${RUN_PATH}/logs`).at(-1)!.query;
    expect(lastQuery().toString()).toBe('page=1&per_page=50');

    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'error' } });
    await waitFor(() => expect(lastQuery().get('level')).toBe('error'));
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'user-7' } });
    await waitFor(() => expect(lastQuery().get('search')).toBe('user-7'));
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(lastQuery().get('page')).toBe('2'));
    expect(lastQuery().toString()).toBe('page=2&per_page=50&level=error&search=user-7');
    // The level options say how many lines each has.
    expect(screen.getByRole('option', { name: 'error (59)' })).toBeTruthy();
  });

  it('lists the failed items and links back to the connection', async () => {
    await open(VIEWER, { [`GET ${RUN_PATH}`]: runDetail('partial', 96) });
    const failed = await screen.findByRole('region', { name: 'Failed items' });
    expect(within(failed).getByText('user-7')).toBeTruthy();
    expect(within(failed).getByText('Missing email')).toBeTruthy();
    expect(screen.getByRole('link', { name: CONNECTION.name }).getAttribute('href')).toBe(
      `/connections/${CONNECTION.id}`,
    );
  });

  it('offers cancel to roles that can sync, while the run moves, and posts it', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { fake } = await open(OPERATOR, {
      [`GET ${RUN_PATH}`]: runDetail('running', 1),
      [`POST ${RUN_PATH}/cancel`]: { data: { id: RUN_ID, status: 'cancelled', message: 'Run cancelled.' } },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel run' }));
    await waitFor(() =>
      expect(fake.calls.some((call) => call.method === 'POST' && call.path === `${RUN_PATH}/cancel`)).toBe(
        true,
      ),
    );
    vi.restoreAllMocks();
  });

  it('offers no cancel to a viewer', async () => {
    await open(VIEWER, { [`GET ${RUN_PATH}`]: runDetail('running', 1) });
    await screen.findByRole('heading', { level: 1, name: 'Sync run' });
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('is linked from the connection page’s run history', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': sessionBody('t'),
      'GET /auth/me': meAs('it_admin', ADMIN),
      ...connectionPageRoutes(CONNECTION),
      [`GET /integration-connections/${CONNECTION.id}/webhooks`]: { data: [] },
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, `/connections/${CONNECTION.id}`);
    const runs = await screen.findByRole('region', { name: 'Runs' });
    const link = await within(runs).findByRole('link');
    expect(link.getAttribute('href')).toBe(PAGE);
  });
});

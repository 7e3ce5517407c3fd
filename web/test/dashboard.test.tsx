import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startApp } from '../src/app/start';
import dashboard from './fixtures/dashboard.json';
import activity from './fixtures/sync-activity-24h.json';
import { ADMIN, error, fakeApi, meAs, renderApp, sessionBody, testServices } from './helpers';

// An hour after the recorded response: relative times read the same on every run.
const NOW = new Date('2026-12-07T05:20:51.096Z');

function dashboardApi(overrides: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs('tenant_admin', ADMIN),
    'GET /integrations/dashboard': dashboard,
    'GET /integrations/dashboard/sync-activity': (call) =>
      call.query.get('hours') === '168'
        ? { data: { ...activity.data, timeline: [], totals: { ...activity.data.totals, runs_started: 99 } } }
        : activity,
    ...overrides,
  });
}

describe('the dashboard', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the summary cards of GET /integrations/dashboard', async () => {
    const { fetch } = dashboardApi();
    const services = testServices(fetch);
    await services.session.restore();
    renderApp(services, '/');
    const cards = await screen.findByText('Connections', { selector: 'dt' });
    const card = (term: string) => screen.getByText(term, { selector: 'dt' }).parentElement!;
    expect(within(cards.parentElement!).getByText('5')).toBeTruthy();
    expect(card('Connections').textContent).toContain('3 connected, 0 disabled');
    expect(card('Healthy').textContent).toContain('1 degraded, 1 unhealthy');
    expect(card('Runs, last 24 hours').textContent).toContain('5 succeeded, 1 failed');
    expect(within(card('Success rate, last 24 hours')).getByText('83.3%')).toBeTruthy();
    expect(within(card('Items synced, last 24 hours')).getByText('355')).toBeTruthy();
    expect(document.title).toBe('Dashboard · Switchboard');
  });

  it('draws the sync activity as named SVG charts with a table alternative', async () => {
    const { fetch, calls } = dashboardApi();
    const services = testServices(fetch);
    await services.session.restore();
    renderApp(services, '/');
    const runs = await screen.findByRole('img', { name: /Runs finished per hour/ });
    expect(runs.tagName.toLowerCase()).toBe('svg');
    // The description sums it up for those who cannot see the bars.
    expect(runs.querySelector('desc')?.textContent).toMatch(/6 runs started, 5 completed, 1 failed/);
    expect(
      screen.getByRole('img', { name: /Items synced per hour/ }).querySelector('desc')?.textContent,
    ).toMatch(/355 items synced/);
    // 24 hourly slots, bars only where something happened: completed and failed stacked.
    expect(runs.querySelectorAll('rect.chart__bar--good')).toHaveLength(1);
    expect(runs.querySelectorAll('rect.chart__bar--bad')).toHaveLength(1);
    const table = screen.getByRole('table', { name: /Sync activity by hour, last 24 hours/ });
    const rows = within(table).getAllByRole('row');
    // header, the one active hour, the totals
    expect(rows).toHaveLength(3);
    expect(
      within(rows[1]!)
        .getAllByRole('cell')
        .map((cell) => cell.textContent),
    ).toEqual(['6', '5', '1', '355', '0']);

    fireEvent.click(screen.getByRole('button', { name: '7 days' }));
    await waitFor(() => expect(calls.some((call) => call.query.get('hours') === '168')).toBe(true));
    expect(screen.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('true');
    await screen.findByText(/99 runs started/, { selector: 'desc' });
  });

  it('lists recent failures, stale connections, connection health and category coverage', async () => {
    const { fetch } = dashboardApi();
    const services = testServices(fetch);
    await services.session.restore();
    renderApp(services, '/');
    const failures = await screen.findByRole('region', { name: 'Recent failures' });
    expect(within(failures).getByText('Demo rejected the API token (fail_auth is set)')).toBeTruthy();
    // The failure names its connection: the link goes to that connection's page.
    expect(within(failures).getByRole('link', { name: 'Flaky Demo' }).getAttribute('href')).toBe(
      '/connections/01a24ebb-9d21-723a-91db-4348a613028e',
    );
    // Relative time, with the absolute one in the title and dateTime.
    const when = within(failures).getByText('1 hour ago');
    expect(when.tagName).toBe('TIME');
    expect(when.getAttribute('dateTime')).toBe('2026-12-07T04:20:51.096Z');
    expect(when.getAttribute('title')).toMatch(/2026/);

    const stale = screen.getByRole('region', { name: 'Stale connections' });
    expect(within(stale).getByText(/3 fresh, 2 stale/)).toBeTruthy();
    const revoked = within(stale).getByRole('link', { name: 'Demo Revoked Token' }).closest('li')!;
    expect(revoked.textContent).toMatch(/Last synced never; expected every 6 hours/);

    const health = screen.getByRole('region', { name: 'Connection health' });
    const rows = within(health).getAllByRole('row').slice(1);
    // The ones needing attention first.
    expect(rows.map((row) => within(row).getByRole('link').textContent)).toEqual([
      'Demo Revoked Token',
      'Flaky Demo',
      'Demo Code',
      'Demo Directory',
      'Partial Demo',
    ]);
    expect(within(rows[0]!).getByText('Unhealthy')).toBeTruthy();

    const coverage = screen.getByRole('region', { name: 'Category coverage' });
    const custom = within(coverage).getByRole('rowheader', { name: 'Custom' }).closest('tr')!;
    expect(
      within(custom)
        .getAllByRole('cell')
        .map((cell) => cell.textContent),
    ).toEqual(['1', '2', '1 of 2']);
  });

  it('says what to do when there are no connections, and offers a retry when loading fails', async () => {
    const empty = {
      data: {
        ...dashboard.data,
        summary: { ...dashboard.data.summary, total_connections: 0 },
        connections: [],
        recent_failures: [],
      },
    };
    const { fetch } = dashboardApi({ 'GET /integrations/dashboard': empty });
    const services = testServices(fetch);
    await services.session.restore();
    renderApp(services, '/');
    const hint = await screen.findByText('No connections yet');
    expect(hint.parentElement?.textContent).toMatch(/Pick an integration in the catalog/);
    expect(screen.getByRole('link', { name: 'catalog' }).getAttribute('href')).toBe('/catalog');

    const broken = dashboardApi({
      'GET /integrations/dashboard': error(503, 'UNAVAILABLE', 'The database is not reachable'),
    });
    const second = testServices(broken.fetch);
    await second.session.restore();
    document.body.innerHTML = '';
    renderApp(second, '/');
    const alert = await screen.findByText('The database is not reachable');
    expect(alert.closest('[role="alert"]')?.textContent).toMatch(/Try again in a moment/);
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('asks for me and the dashboard data together once the session is back, not one after another', async () => {
    let answerMe: (() => void) | undefined;
    const { fetch, calls } = dashboardApi({
      // `me` is held: the dashboard's data must not wait for it.
      'GET /auth/me': () =>
        new Promise((resolve) => {
          answerMe = () => resolve(meAs('tenant_admin', ADMIN));
        }),
    });
    const services = testServices(fetch);
    await startApp(services, '/');
    await waitFor(() =>
      expect(calls.map((call) => call.path)).toEqual(
        expect.arrayContaining([
          '/auth/me',
          '/integrations/dashboard',
          '/integrations/dashboard/sync-activity',
        ]),
      ),
    );
    expect(calls.filter((call) => call.path === '/auth/me')).toHaveLength(1);
    answerMe?.();
    renderApp(services, '/');
    await screen.findByRole('region', { name: 'Connection health' });
    // The page found its data in the cache: nothing was asked twice.
    expect(calls.filter((call) => call.path === '/integrations/dashboard')).toHaveLength(1);
    expect(calls.filter((call) => call.path === '/integrations/dashboard/sync-activity')).toHaveLength(1);
  });

  it('asks for nothing but the session when there is none to restore', async () => {
    const { fetch, calls } = dashboardApi({ 'POST /auth/refresh': error(401, 'UNAUTHORIZED', 'No session') });
    await startApp(testServices(fetch), '/');
    expect(calls.map((call) => call.path)).toEqual(['/auth/refresh']);
  });

  it('draws the first stale connections and the rest when asked', async () => {
    const stale = Array.from({ length: 25 }, (_, i) => ({
      connection_id: `c-${i}`,
      connection_name: `Stale ${String(i).padStart(2, '0')}`,
      integration_name: 'Demo',
      last_sync_at: null,
      expected_interval_mins: 360,
    }));
    const { fetch } = dashboardApi({
      'GET /integrations/dashboard': {
        data: {
          ...dashboard.data,
          data_freshness: { fresh: 0, stale: stale.length, stale_connections: stale },
        },
      },
    });
    const services = testServices(fetch);
    await services.session.restore();
    renderApp(services, '/');
    const region = await screen.findByRole('region', { name: 'Stale connections' });
    expect(within(region).getAllByRole('listitem')).toHaveLength(10);
    const toggle = within(region).getByRole('button', { name: 'Show all 25 stale connections' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggle);
    expect(within(region).getAllByRole('listitem')).toHaveLength(25);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(toggle.textContent).toBe('Show the first 10 stale connections');
  });
});

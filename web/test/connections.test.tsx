import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { api, fakeApi, meAs, OPERATOR, renderApp, sessionBody, testServices } from './helpers';

describe('the connections table', () => {
  it('filters, searches, sorts and pages through the list endpoint', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': sessionBody('t'),
      'GET /auth/me': meAs('security_engineer', OPERATOR),
      'GET /integration-connections': (call) => ({
        ...api.connections,
        pagination: { page: Number(call.query.get('page') ?? 1), per_page: 20, total: 45, total_pages: 3 },
      }),
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    const table = await screen.findByRole('table');
    const lastQuery = () =>
      fake.calls.filter((call) => call.path === '/integration-connections').at(-1)!.query;
    expect(lastQuery().toString()).toBe('sort=name&order=asc&page=1&per_page=20');

    // Each row: name (a link), status and health in words, last sync, success rate.
    const row = within(table).getAllByRole('row')[1]!;
    expect(within(row).getByRole('link').getAttribute('href')).toMatch(/^\/connections\//);

    const healthHeader = within(table).getByRole('columnheader', { name: /Health/ });
    fireEvent.click(within(healthHeader).getByRole('button'));
    await waitFor(() => expect(lastQuery().get('sort')).toBe('health'));
    expect(lastQuery().get('order')).toBe('asc');
    expect(
      within(screen.getByRole('table'))
        .getByRole('columnheader', { name: /Health/ })
        .getAttribute('aria-sort'),
    ).toBe('ascending');
    fireEvent.click(
      within(within(screen.getByRole('table')).getByRole('columnheader', { name: /Health/ })).getByRole(
        'button',
      ),
    );
    await waitFor(() => expect(lastQuery().get('order')).toBe('desc'));

    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(lastQuery().get('page')).toBe('2'));
    expect(screen.getByText('Page 2 of 3')).toBeTruthy();

    // A filter starts again from the first page.
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'error' } });
    await waitFor(() => expect(lastQuery().get('status')).toBe('error'));
    expect(lastQuery().get('page')).toBe('1');
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'okta' } });
    await waitFor(() => expect(lastQuery().get('search')).toBe('okta'));
    fireEvent.change(screen.getByLabelText('Per page'), { target: { value: '50' } });
    await waitFor(() => expect(lastQuery().get('per_page')).toBe('50'));

    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    // Back to the first query: answered from the cache.
    await waitFor(() => expect((screen.getByLabelText('Status') as HTMLSelectElement).value).toBe(''));
    expect((screen.getByLabelText('Search') as HTMLInputElement).value).toBe('');
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull();
  });

  it('says how to get a first connection when there is none', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': sessionBody('t'),
      'GET /auth/me': meAs('security_engineer', OPERATOR),
      'GET /integration-connections': {
        data: [],
        pagination: { page: 1, per_page: 20, total: 0, total_pages: 0 },
      },
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    const empty = await screen.findByText('No connections yet');
    expect(empty.parentElement?.textContent).toMatch(/Connect your first integration from the catalog/);
  });
});

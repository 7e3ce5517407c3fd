import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS as SERVER_PERMISSIONS } from '../../src/modules/auth/permissions';
import { PERMISSIONS } from '../src/auth/permissions';
import {
  ADMIN,
  api,
  connectionPageRoutes,
  error,
  fakeApi,
  meAs,
  OPERATOR,
  renderApp,
  sessionBody,
  testServices,
  VIEWER,
} from './helpers';

const CONNECTION = api.connection;

function connectionApi(role: string, permissions: string[], overrides: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs(role, permissions),
    ...connectionPageRoutes(CONNECTION),
    'GET /integration-connections': api.connections,
    'GET /integrations': api.integrations,
    ...overrides,
  });
}

async function openAs(
  role: string,
  permissions: string[],
  path: string,
  overrides: Parameters<typeof fakeApi>[0] = {},
) {
  const fake = connectionApi(role, permissions, overrides);
  const services = testServices(fake.fetch);
  await services.session.restore();
  renderApp(services, path);
  return fake;
}

const actionNames = () =>
  within(screen.getByRole('region', { name: 'Actions' }))
    .queryAllByRole('button')
    .map((button) => button.textContent);

describe('what each role is offered', () => {
  it("knows the server's permission names", () => {
    expect([...PERMISSIONS].sort()).toEqual([...SERVER_PERMISSIONS].sort());
  });

  it('offers a viewer (compliance manager) nothing that changes a connection', async () => {
    await openAs('compliance_manager', VIEWER, `/connections/${CONNECTION.id}`);
    await screen.findByRole('heading', { level: 1, name: CONNECTION.name });
    expect(actionNames()).toEqual([]);
    expect(screen.getByText('Your role can look at this connection but not change it.')).toBeTruthy();
    await screen.findByRole('region', { name: 'Configuration' });
    expect(screen.queryByRole('button', { name: 'Edit configuration' })).toBeNull();
    // Reading is allowed: runs and health are there.
    expect(screen.getByRole('region', { name: 'Runs' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Health and uptime' })).toBeTruthy();
  });

  it('offers an operator (security engineer) test, sync, health check, edit, but not delete', async () => {
    await openAs('security_engineer', OPERATOR, `/connections/${CONNECTION.id}`);
    await screen.findByRole('heading', { level: 1, name: CONNECTION.name });
    await waitFor(() => expect(actionNames()).toContain('Test connection'));
    expect(actionNames()).toEqual(['Test connection', 'Sync now', 'Check health', 'Disable']);
    expect(await screen.findByRole('button', { name: 'Edit configuration' })).toBeTruthy();
  });

  it('offers an administrator (it_admin) delete as well', async () => {
    await openAs('it_admin', ADMIN, `/connections/${CONNECTION.id}`);
    await screen.findByRole('heading', { level: 1, name: CONNECTION.name });
    await waitFor(() => expect(actionNames()).toContain('Delete'));
  });

  it('hides connect and add buttons from viewers on the catalog and the connections list', async () => {
    await openAs('compliance_manager', VIEWER, '/catalog');
    await screen.findByRole('heading', { level: 2, name: 'Okta' });
    expect(screen.queryAllByRole('link', { name: /^Connect( with)? [A-Z]/ })).toEqual([]);
    document.body.innerHTML = '';

    await openAs('security_engineer', OPERATOR, '/catalog');
    await screen.findByRole('heading', { level: 2, name: 'Okta' });
    expect(screen.getByRole('link', { name: 'Connect Okta' }).getAttribute('href')).toBe('/catalog/okta');
    // OAuth integrations connect through the provider.
    expect(screen.getByRole('link', { name: 'Connect with Slack' })).toBeTruthy();
    document.body.innerHTML = '';

    await openAs('compliance_manager', VIEWER, '/connections');
    await screen.findByRole('link', { name: CONNECTION.name });
    expect(screen.queryByRole('link', { name: 'Add a connection' })).toBeNull();
  });

  it('leaves out of the navigation what the role cannot see, and says so on the page', async () => {
    await openAs('auditor', ['org:read', 'users:read', 'teams:read'], '/');
    expect(await screen.findByText('Your role cannot see this page')).toBeTruthy();
    expect(screen.getByText(/You are auditor in Default/)).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    // `users:read` shows the members page, and nothing else.
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Members']);
  });

  it('still handles a 403: the action says the role does not allow it', async () => {
    await openAs('security_engineer', OPERATOR, `/connections/${CONNECTION.id}`, {
      [`POST /integration-connections/${CONNECTION.id}/sync`]: error(
        403,
        'FORBIDDEN',
        'You do not have permission',
      ),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Sync now' }));
    const alert = await screen.findByText('You do not have permission');
    expect(alert.closest('[role="alert"]')?.textContent).toMatch(/Your role does not allow this/);
  });
});

describe('signing in and out', () => {
  it('sends a visitor without a session to the login page, then back where they were going', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': error(401, 'UNAUTHENTICATED', 'No session'),
      'POST /auth/login': (call) =>
        (call.body as { password: string }).password === 'right'
          ? sessionBody('t')
          : error(401, 'INVALID_CREDENTIALS', 'Invalid email or password'),
      'GET /auth/me': meAs('it_admin', ADMIN),
      'GET /integration-connections': api.connections,
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/The email or password is not right/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Connections' })).toBeTruthy();
  });

  it('returns to the login page with a message when the session ends, and signs out', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': (() => {
        let calls = 0;
        return () => (++calls === 1 ? sessionBody('t') : error(401, 'SESSION_EXPIRED', 'Session expired'));
      })(),
      'GET /auth/me': meAs('it_admin', ADMIN),
      'GET /integration-connections': (call) =>
        call.query.get('status') === 'error' ? error(401, 'UNAUTHENTICATED', 'Expired') : api.connections,
      'POST /auth/logout': { status: 204 },
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    await screen.findByRole('link', { name: CONNECTION.name });
    // The next call meets an expired token, and the renewal is refused.
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'error' } });
    expect(await screen.findByText(/Your session ended/)).toBeTruthy();
    expect(services.session.accessToken()).toBeNull();
    // Nothing of the old session's data is kept for the next one.
    const cached = services.queryClient.getQueryCache().getAll();
    expect(cached.filter((query) => query.state.data !== undefined)).toEqual([]);
  });

  it('signs out from the banner', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': sessionBody('t'),
      'GET /auth/me': meAs('it_admin', ADMIN),
      'GET /integration-connections': api.connections,
      'POST /auth/logout': { status: 204 },
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(fake.calls.some((call) => call.path === '/auth/logout')).toBe(true);
  });
});

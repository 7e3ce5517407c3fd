import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ADMIN, api, fakeApi, meAs, renderApp, sessionBody, testServices } from './helpers';

const SECOND = { id: '01a24ed4-2cbb-7509-91c0-393927a0f0d4', name: 'Second Org', slug: 'second-org' };

function twoOrgs() {
  let org = api.me.org;
  return fakeApi({
    'POST /auth/refresh': sessionBody('t1'),
    'POST /auth/switch-org': (call) => {
      org = SECOND;
      expect(call.body).toEqual({ org_id: SECOND.id });
      return sessionBody('t2', 900, SECOND);
    },
    'GET /auth/me': () => ({
      data: {
        ...meAs('tenant_admin', ADMIN).data,
        org,
        orgs: [
          { ...api.me.org, role: 'tenant_admin' },
          { ...SECOND, role: 'ciso' },
        ],
      },
    }),
    'GET /integration-connections': () =>
      org.id === SECOND.id
        ? { data: [], pagination: { page: 1, per_page: 20, total: 0, total_pages: 0 } }
        : api.connections,
  });
}

describe('the shell', () => {
  it('has a skip link, a banner, the main navigation and a main landmark', async () => {
    const services = testServices(twoOrgs().fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    await screen.findByRole('heading', { level: 1, name: 'Connections' });
    const skip = screen.getByRole('link', { name: 'Skip to main content' });
    expect(skip.getAttribute('href')).toBe('#main');
    expect(screen.getByRole('main').id).toBe('main');
    expect(screen.getByRole('banner')).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Dashboard', 'Catalog', 'Connections', 'Webhooks out', 'Events', 'Members']);
    expect(within(nav).getByRole('link', { name: 'Connections' }).getAttribute('aria-current')).toBe('page');
  });

  it('shows the live status and switches org: new session, emptied caches, a socket for the new org', async () => {
    const fake = twoOrgs();
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/connections');
    await screen.findByRole('link', { name: api.connection.name });
    const socket = services.sockets.at(-1)!;
    expect(socket.handshakes[0]).toEqual({ token: 't1', org_id: api.me.org.id });
    act(() => socket.serverConnects());
    expect(await screen.findByText('Live')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Organisation'), { target: { value: SECOND.id } });
    expect(await screen.findByText('No connections yet')).toBeTruthy();
    expect(screen.queryByRole('link', { name: api.connection.name })).toBeNull();
    await waitFor(() =>
      expect(services.sockets.at(-1)?.handshakes[0]).toEqual({ token: 't2', org_id: SECOND.id }),
    );
    expect(socket.disconnected).toBe(true);
    expect((screen.getByLabelText('Organisation') as HTMLSelectElement).value).toBe(SECOND.id);
  });

  it('opens no live socket for a role without events:read', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': sessionBody('t'),
      'GET /auth/me': meAs('auditor', ['org:read', 'users:read', 'teams:read']),
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/');
    await screen.findByText('Your role cannot see this page');
    await waitFor(() => expect(services.sockets.every((socket) => socket.disconnected)).toBe(true));
    expect(screen.queryByText(/^(Live|Connecting…|Reconnecting…|Offline)$/)).toBeNull();
  });
});

import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventItem, JsonValue } from '../src/api/types';
import { ADMIN, api, fakeApi, meAs, renderApp, sessionBody, testServices, VIEWER } from './helpers';

const ORG = api.me.org.id;
const MEMBERS = `/orgs/${ORG}/members`;
const MANAGER = [...ADMIN, 'members:manage', 'api_keys:manage', 'audit:read'];
const page = (data: JsonValue[]) => ({
  data,
  pagination: { page: 1, per_page: 20, total: data.length, total_pages: 1 },
});
const MEMBER = {
  id: 'u-2',
  email: 'grace@example.com',
  name: 'Grace',
  role: 'member',
  is_active: true,
  last_login_at: null,
  joined_at: '2026-12-01T00:00:00.000Z',
  created_at: '2026-12-01T00:00:00.000Z',
};
const KEY = {
  id: 'k-1',
  name: 'CI',
  prefix: 'sk_ab12',
  scopes: ['connections:read'],
  created_by: null,
  expires_at: '2099-01-01T00:00:00.000Z',
  revoked_at: null,
  last_used_at: null,
  usage_count: 0,
  created_at: '2026-12-01T00:00:00.000Z',
};

async function open(permissions: string[], path: string, routes: Parameters<typeof fakeApi>[0]) {
  const fake = fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs('role', permissions),
    ...routes,
  });
  const services = testServices(fake.fetch);
  await services.session.restore();
  renderApp(services, path);
  return { fake, services };
}

afterEach(() => vi.restoreAllMocks());

describe('members and invitations', () => {
  it('changes a role, removes a member, and invites by email with the link shown once', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { fake } = await open(MANAGER, '/members', {
      [`GET ${MEMBERS}`]: page([MEMBER]),
      [`PATCH ${MEMBERS}/u-2`]: { data: { user_id: 'u-2', role: 'auditor' } },
      [`DELETE ${MEMBERS}/u-2`]: { status: 204 },
      [`GET /orgs/${ORG}/invitations`]: { data: [] },
      [`POST /orgs/${ORG}/invitations`]: {
        status: 201,
        body: {
          data: {
            id: 'i',
            email: 'ada@example.com',
            role: 'auditor',
            expires_at: '2026-12-14T00:00:00.000Z',
            token: 'tok',
            accept_url: 'http://x/accept/tok',
          },
        },
      },
    });
    fireEvent.change(await screen.findByLabelText('Role of Grace'), { target: { value: 'auditor' } });
    await waitFor(() =>
      expect(fake.calls.find((call) => call.method === 'PATCH')?.body).toEqual({ role: 'auditor' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Remove Grace' }));
    await waitFor(() =>
      expect(fake.calls.some((call) => call.method === 'DELETE' && call.path === `${MEMBERS}/u-2`)).toBe(
        true,
      ),
    );

    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText('Role', { selector: '#invite-role' }), {
      target: { value: 'auditor' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }));
    expect(((await screen.findByLabelText('Invitation link')) as HTMLInputElement).value).toBe(
      'http://x/accept/tok',
    );
    expect(
      fake.calls.find((call) => call.method === 'POST' && call.path.endsWith('/invitations'))!.body,
    ).toEqual({
      email: 'ada@example.com',
      role: 'auditor',
    });
  });

  it('lists pending invitations and revokes one', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { fake } = await open(MANAGER, '/members', {
      [`GET ${MEMBERS}`]: page([MEMBER]),
      [`GET /orgs/${ORG}/invitations`]: {
        data: [
          {
            id: 'i-1',
            email: 'lin@example.com',
            role: 'auditor',
            invited_by: 'u-1',
            expires_at: '2099-01-01T00:00:00.000Z',
            created_at: '2026-12-01T00:00:00.000Z',
          },
        ],
      },
      [`DELETE /orgs/${ORG}/invitations/i-1`]: { status: 204 },
    });
    const pending = await screen.findByRole('list', { name: 'Pending invitations' });
    expect(within(pending).getAllByRole('listitem')[0]!.textContent).toMatch(
      /^lin@example.com \(auditor\), expires in/i,
    );
    fireEvent.click(
      within(pending).getByRole('button', { name: 'Revoke the invitation of lin@example.com' }),
    );
    await waitFor(() =>
      expect(
        fake.calls.some((call) => call.method === 'DELETE' && call.path === `/orgs/${ORG}/invitations/i-1`),
      ).toBe(true),
    );
  });

  it('shows a role without members:manage the list only', async () => {
    await open(VIEWER, '/members', { [`GET ${MEMBERS}`]: page([MEMBER]) });
    await screen.findByText('grace@example.com');
    expect(screen.queryByLabelText('Role of Grace')).toBeNull();
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Invite' })).toBeNull();
  });
});

describe('API keys', () => {
  it('creates a key with the chosen scopes, shows it once, and not after navigating away and back', async () => {
    const { fake } = await open(MANAGER, '/api-keys', {
      'GET /api-keys': page([KEY]),
      'POST /api-keys': { status: 201, body: { data: { ...KEY, key: 'sk_secretvalue' } } },
      'GET /audit-logs': page([]),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Create an API key' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'CI' } });
    // Only the caller's own permissions are offered as scopes.
    expect(screen.queryByLabelText('members:manage')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByText('Choose at least one scope.')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('connections:read'));
    fireEvent.change(screen.getByLabelText('Expires after (days)'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(((await screen.findByLabelText('API key')) as HTMLInputElement).value).toBe('sk_secretvalue');
    expect(fake.calls.find((call) => call.method === 'POST' && call.path === '/api-keys')!.body).toEqual({
      name: 'CI',
      scopes: ['connections:read'],
      expires_in_days: 30,
    });

    fireEvent.click(screen.getByRole('link', { name: 'Audit log' }));
    await screen.findByRole('heading', { level: 1, name: 'Audit log' });
    fireEvent.click(screen.getByRole('link', { name: 'API keys' }));
    await screen.findByRole('button', { name: 'Create an API key' });
    expect(document.body.textContent).not.toContain('sk_secretvalue');
  });

  it('offers only scopes the caller holds', async () => {
    await open(['api_keys:manage', 'connections:read'], '/api-keys', { 'GET /api-keys': page([]) });
    fireEvent.click(await screen.findByRole('button', { name: 'Create an API key' }));
    const scopes = within(screen.getByRole('group', { name: 'Scopes' })).getAllByRole('checkbox');
    expect(scopes.map((box) => box.id)).toEqual(['scope-api_keys:manage', 'scope-connections:read']);
  });

  it('rotates (the new value shown once) and revokes', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { fake } = await open(MANAGER, '/api-keys', {
      'GET /api-keys': page([KEY]),
      'POST /api-keys/k-1/rotate': { data: { ...KEY, key: 'sk_rotated' } },
      'DELETE /api-keys/k-1': { status: 204 },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Rotate CI' }));
    expect(((await screen.findByLabelText('API key')) as HTMLInputElement).value).toBe('sk_rotated');
    fireEvent.click(screen.getByRole('button', { name: 'Revoke CI' }));
    await waitFor(() =>
      expect(fake.calls.some((call) => call.method === 'DELETE' && call.path === '/api-keys/k-1')).toBe(true),
    );
  });
});

describe('the audit log', () => {
  it('maps its filters and pager to the endpoint’s parameters', async () => {
    const { fake } = await open(MANAGER, '/audit-log', {
      'GET /audit-logs': {
        data: [
          {
            id: 'a',
            actor_type: 'user',
            actor_id: 'u',
            actor_name: 'Ada',
            action: 'api_key.created',
            target_type: 'api_key',
            target_id: 'k-1',
            changed_fields: ['name'],
            request_id: null,
            ip: '127.0.0.1',
            created_at: '2026-12-07T04:00:00.000Z',
          },
        ],
        pagination: { page: 1, per_page: 50, total: 60, total_pages: 2 },
      },
    });
    await screen.findByText('api_key.created');
    const last = () => fake.calls.filter((call) => call.path === '/audit-logs').at(-1)!.query;
    expect(last().toString()).toBe('page=1&per_page=50');
    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: 'api_key' } });
    await waitFor(() => expect(last().get('actor_type')).toBe('api_key'));
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'api_key.created' } });
    await waitFor(() => expect(last().get('action')).toBe('api_key.created'));
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-12-01T00:00' } });
    await waitFor(() => expect(last().get('from')).toBe(new Date('2026-12-01T00:00').toISOString()));
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(last().get('page')).toBe('2'));
    expect(last().get('actor_type')).toBe('api_key');
  });
});

describe('the events timeline', () => {
  const event = (id: string, type: string) =>
    ({
      id,
      type,
      version: 1,
      subject: { type: 'connection', id: 'c-1' },
      payload: { connection_id: 'c-1' },
      occurred_at: '2026-12-07T04:00:00.000Z',
    }) satisfies EventItem;

  it('filters by type, pages by cursor, and shows new events at the top when they arrive live', async () => {
    let newest = [event('e-2', 'connection.created')];
    const { fake, services } = await open(VIEWER, '/events', {
      'GET /event-types': {
        data: [
          {
            name: 'connection.created',
            description: '',
            version: 1,
            subject_type: 'connection',
            schema: {},
            source: 'switchboard',
          },
        ],
      },
      'GET /events': (call) =>
        call.query.get('cursor') === 'c2'
          ? { data: [event('e-1', 'connection.updated')], pagination: { per_page: 50, next_cursor: null } }
          : { data: newest, pagination: { per_page: 50, next_cursor: 'c2' } },
    });
    await screen.findByText('connection.created', { selector: 'code' });
    fireEvent.click(screen.getByRole('button', { name: 'Load older events' }));
    expect(await screen.findByText('connection.updated', { selector: 'code' })).toBeTruthy();

    // A new event arrives over the socket: the list is fetched again, the new one on top.
    newest = [event('e-3', 'sync.run.completed'), ...newest];
    const socket = services.sockets[0]!;
    act(() => {
      socket.serverConnects();
      socket.emits(event('e-3', 'sync.run.completed'));
    });
    await screen.findByText('sync.run.completed', { selector: 'code' });
    const list = screen.getByRole('list', { name: 'Events, newest first' });
    expect(within(list).getAllByRole('listitem')[0]!.textContent).toContain('sync.run.completed');

    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'connection.created' } });
    await waitFor(() =>
      expect(
        fake.calls
          .filter((call) => call.path === '/events')
          .at(-1)!
          .query.get('type'),
      ).toBe('connection.created'),
    );
  });
});

import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import schemas from './fixtures/config-schemas.json';
import {
  ADMIN,
  api,
  connectionPageRoutes,
  descriptionOf,
  error,
  fakeApi,
  meAs,
  type Reply,
  renderApp,
  sessionBody,
  testServices,
} from './helpers';

const CONNECTION = api.connection;

function connectApi(testReply: Reply, createReply?: Reply) {
  return fakeApi({
    'POST /auth/refresh': sessionBody('t'),
    'GET /auth/me': meAs('it_admin', ADMIN),
    'GET /integrations/demo': { data: api.integration_demo },
    'GET /integrations/custom-http': {
      data: {
        ...api.integration_demo,
        name: 'Custom HTTP API',
        slug: 'custom-http',
        config_schema: schemas['custom-http'],
      },
    },
    'POST /integration-connections': createReply ?? {
      status: 201,
      body: { data: { ...CONNECTION, message: 'Created' } },
    },
    [`POST /integration-connections/${CONNECTION.id}/test`]: testReply,
    ...connectionPageRoutes({ ...CONNECTION, status: 'configuring' }),
  });
}

describe('connecting an integration', () => {
  it('creates the connection from the form, tests it, and says the result in words', async () => {
    const fake = connectApi({
      data: {
        connection_id: CONNECTION.id,
        test_result: 'success',
        message: 'Successfully authenticated with Demo (demo.example). Users: 100.',
        details: { provider_response_time_ms: 12, permissions_verified: ['users.read', 'groups.read'] },
        status: 'configuring',
        health: 'healthy',
        tested_at: new Date().toISOString(),
      },
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/catalog/demo');
    const name = await screen.findByLabelText(/^Name/);
    expect((name as HTMLInputElement).value).toBe('Demo');
    fireEvent.change(name, { target: { value: 'Demo (staging)' } });
    fireEvent.change(screen.getByLabelText(/API Token/), { target: { value: 'tok' } });
    fireEvent.change(screen.getByLabelText('Users'), { target: { value: '40' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create connection' }));

    const outcome = await screen.findByText('Test passed');
    const box = outcome.parentElement!;
    expect(box.textContent).toMatch(/Successfully authenticated with Demo/);
    expect(box.textContent).toMatch(/The provider answered in 12 ms/);
    expect(box.textContent).toMatch(/Permissions verified: users.read, groups.read/);
    expect(box.textContent).toMatch(/Enable the connection to start its scheduled syncs/);
    expect(screen.getByRole('heading', { level: 1, name: CONNECTION.name })).toBeTruthy();

    const create = fake.calls.find(
      (call) => call.method === 'POST' && call.path === '/integration-connections',
    );
    expect(create?.body).toEqual({
      definition_id: api.integration_demo.id,
      name: 'Demo (staging)',
      description: null,
      sync_interval_mins: 360,
      health_check_interval_mins: 60,
      config: {
        api_token: 'tok',
        seed: 1,
        domain: 'demo.example',
        users: 40,
        groups: 10,
        repositories: 25,
        fail_auth: false,
        failure_rate: 0,
        item_failure_rate: 0,
      },
    });
  });

  it('explains a failed test and what to do about it', async () => {
    const fake = connectApi({
      data: {
        connection_id: CONNECTION.id,
        test_result: 'failed',
        message: 'Demo rejected the API token (fail_auth is set)',
        details: { error_type: 'auth_error', http_status: 401, provider_message: 'Invalid token' },
        status: 'error',
        health: 'unhealthy',
        tested_at: new Date().toISOString(),
      },
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/catalog/demo');
    fireEvent.change(await screen.findByLabelText(/API Token/), { target: { value: 'tok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create connection' }));
    const box = (await screen.findByText('Test failed')).parentElement!;
    expect(box.textContent).toMatch(/Demo rejected the API token/);
    expect(box.textContent).toMatch(/The provider answered HTTP 401/);
    expect(box.textContent).toMatch(/It said: “Invalid token”/);
    expect(box.textContent).toMatch(/check them, save them again under Configuration/);
  });

  it("puts the server's refusals on the fields they name, with a summary linking to them", async () => {
    const fake = connectApi(
      {},
      error(400, 'VALIDATION_ERROR', 'Invalid body', {
        fields: [
          { field: 'config.entities.0.name', location: 'body', message: 'must be unique' },
          { field: 'config.token', location: 'body', message: 'is required when auth_type is bearer' },
        ],
      }),
    );
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/catalog/custom-http');
    fireEvent.change(await screen.findByLabelText(/API base URL/), {
      target: { value: 'https://api.example.com' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add entity' }));
    const entity = screen.getByRole('group', { name: /Entity 1/ });
    fireEvent.change(within(entity).getByLabelText(/^Name/), { target: { value: 'users' } });
    fireEvent.change(within(entity).getByLabelText(/^Path/), { target: { value: '/users' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create connection' }));

    const summary = await screen.findByText('There are 2 problems to fix:');
    const links = within(summary.parentElement!).getAllByRole('link');
    expect(links.map((link) => link.textContent)).toEqual([
      'Entities › Entity 1 › Name: Must be unique.',
      'Bearer token: Is required when auth_type is bearer.',
    ]);
    expect(descriptionOf(within(entity).getByLabelText(/^Name/))).toMatch(/Must be unique/);
    fireEvent.click(links[1]!);
    expect(document.activeElement).toBe(screen.getByLabelText('Bearer token'));
  });

  it('names a taken connection name on the name field', async () => {
    const fake = connectApi({}, error(409, 'NAME_TAKEN', 'That name is already used'));
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, '/catalog/demo');
    fireEvent.change(await screen.findByLabelText(/API Token/), { target: { value: 'tok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create connection' }));
    await screen.findByText('There is a problem to fix:');
    expect(descriptionOf(screen.getByLabelText(/^Name/))).toMatch(/Another connection already has this name/);
  });
});

describe("editing a connection's configuration", () => {
  it('sends only what changed, keeps the stored secret, and says it saved', async () => {
    const fake = fakeApi({
      'POST /auth/refresh': sessionBody('t'),
      'GET /auth/me': meAs('it_admin', ADMIN),
      ...connectionPageRoutes(CONNECTION),
      [`PUT /integration-connections/${CONNECTION.id}`]: (call) => ({
        data: {
          ...CONNECTION,
          config: { ...CONNECTION.config, ...(call.body as { config: object }).config },
        },
      }),
    });
    const services = testServices(fake.fetch);
    await services.session.restore();
    renderApp(services, `/connections/${CONNECTION.id}`);
    const config = await screen.findByRole('region', { name: 'Configuration' });
    expect(within(config).getByText('Stored (hidden)')).toBeTruthy();
    fireEvent.click(await within(config).findByRole('button', { name: 'Edit configuration' }));
    const token = within(config).getByLabelText(/API Token/) as HTMLInputElement;
    expect([token.type, token.value]).toEqual(['password', '']);
    fireEvent.change(within(config).getByLabelText('Users'), { target: { value: '30' } });
    fireEvent.click(within(config).getByRole('button', { name: 'Save changes' }));
    expect(await within(config).findByText('Changes saved.')).toBeTruthy();
    const put = fake.calls.find((call) => call.method === 'PUT');
    expect(put?.body).toEqual({
      name: CONNECTION.name,
      description: null,
      sync_interval_mins: 360,
      health_check_interval_mins: 60,
      config: { users: 30 },
    });
    expect(within(config).getByText('30')).toBeTruthy();
  });
});

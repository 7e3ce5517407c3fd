/**
 * The fake JSON API the connector contract suite runs the custom HTTP connector against: one
 * entity, listed by Link header over several pages.
 */
import type { CustomHttpConfig } from '../../../src/connectors/custom-http/index.js';
import { startFakeJsonApi } from './server.js';

export async function startContractFake(): Promise<{
  validConfig: CustomHttpConfig;
  invalidCredentialsConfig: CustomHttpConfig;
  stop(): Promise<void>;
}> {
  const fake = await startFakeJsonApi({ users: 35, auth: { kind: 'bearer', token: 'api-token' } });
  const config = (token: string): CustomHttpConfig => ({
    base_url: fake.url,
    auth_type: 'bearer',
    token,
    test_path: '/v1/me',
    entities: [
      {
        name: 'users',
        path: '/v1/users',
        // More users than a page, so a cursor is given before they are all listed.
        pagination: { style: 'link', size_param: 'per_page', page_size: 10 },
      },
    ],
  });
  return {
    validConfig: config('api-token'),
    invalidCredentialsConfig: config('revoked-token'),
    stop: () => fake.close(),
  };
}

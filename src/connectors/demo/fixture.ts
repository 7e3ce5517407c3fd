/** What the connector contract suite (test/connectors/contract.test.ts) exercises this connector with. */
import type { DemoConfig } from './definition.js';
import { demoConnector } from './index.js';

export const contractFixture = {
  connector: demoConnector,
  validConfig: {
    api_token: 'demo-token',
    seed: 7,
    users: 20,
    groups: 3,
    repositories: 5,
  } satisfies DemoConfig,
  invalidCredentialsConfig: { api_token: 'revoked-token', fail_auth: true } satisfies DemoConfig,
};

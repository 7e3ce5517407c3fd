/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises this connector
 * with. GitHub needs a network: `startContractFake()` in test/fakes/github/contract.ts starts the
 * fake GitHub these tokens belong to and gives the configs with its `base_url`.
 */
import type { GitHubConfig } from './definition.js';
import { githubConnector } from './index.js';

export const contractFixture = {
  connector: githubConnector,
  validConfig: { token: 'ghp_contractvalidtoken', organization: 'contract-org' } satisfies GitHubConfig,
  invalidCredentialsConfig: {
    token: 'ghp_revokedtoken',
    organization: 'contract-org',
  } satisfies GitHubConfig,
};

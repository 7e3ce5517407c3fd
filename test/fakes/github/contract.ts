/**
 * The fake GitHub the connector contract suite points the `github` connector at: an organization
 * with a few pages of each listing, and a token it knows beside one it does not (revoked).
 */
import type { GitHubConfig } from '../../../src/connectors/github/index.js';
import { generateOrg } from './model.js';
import { startFakeGitHub } from './server.js';

export async function startContractFake(): Promise<{
  validConfig: GitHubConfig;
  invalidCredentialsConfig: GitHubConfig;
  stop(): Promise<void>;
}> {
  const validConfig = { token: 'ghp_contractvalidtoken', organization: 'contract-org' };
  const invalidCredentialsConfig = { token: 'ghp_revokedtoken', organization: 'contract-org' };
  const fake = await startFakeGitHub({
    org: generateOrg({ login: validConfig.organization, repos: 130, members: 120, outsideCollaborators: 4 }),
    tokens: [{ token: validConfig.token, login: 'octo-admin', scopes: ['read:org', 'repo'] }],
  });
  return {
    validConfig: { ...validConfig, base_url: fake.url },
    invalidCredentialsConfig: { ...invalidCredentialsConfig, base_url: fake.url },
    stop: () => fake.close(),
  };
}

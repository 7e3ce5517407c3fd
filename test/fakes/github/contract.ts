/**
 * The fake GitHub the connector contract suite points the `github` connector at: an organization
 * with a few pages of each listing, and the fixture's tokens (the revoked one is unknown to it).
 */
import { contractFixture } from '../../../src/connectors/github/fixture.js';
import type { GitHubConfig } from '../../../src/connectors/github/index.js';
import { generateOrg } from './model.js';
import { startFakeGitHub } from './server.js';

export async function startContractFake(): Promise<{
  validConfig: GitHubConfig;
  invalidCredentialsConfig: GitHubConfig;
  stop(): Promise<void>;
}> {
  const { validConfig, invalidCredentialsConfig } = contractFixture;
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

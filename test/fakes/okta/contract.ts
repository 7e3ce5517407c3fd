/** The fake Okta org the connector contract suite runs the Okta connector against. */
import type { OktaConfig } from '../../../src/connectors/okta/index.js';
import { startFakeOkta } from './server.js';

export async function startContractFake(): Promise<{
  validConfig: OktaConfig;
  invalidCredentialsConfig: OktaConfig;
  stop(): Promise<void>;
}> {
  // More users than a page, so a cursor is given before the users are all listed.
  const fake = await startFakeOkta({ users: 450, tokens: ['okta-token'] });
  return {
    validConfig: { domain: 'acme.okta.com', api_token: 'okta-token', base_url: fake.url },
    invalidCredentialsConfig: { domain: 'acme.okta.com', api_token: 'revoked-token', base_url: fake.url },
    stop: () => fake.close(),
  };
}

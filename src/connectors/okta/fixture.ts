/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises this connector
 * with. Okta needs a network: these configs point `base_url` at a placeholder, and the suite starts
 * the fake org (test/fakes/okta/contract.ts, `startContractFake`) and uses the configs it returns.
 */
import type { OktaConfig } from './definition.js';
import { oktaConnector } from './index.js';

const PLACEHOLDER = 'http://127.0.0.1:9/';

export const contractFixture = {
  connector: oktaConnector,
  validConfig: {
    domain: 'acme.okta.com',
    api_token: 'okta-token',
    base_url: PLACEHOLDER,
  } satisfies OktaConfig,
  invalidCredentialsConfig: {
    domain: 'acme.okta.com',
    api_token: 'revoked-token',
    base_url: PLACEHOLDER,
  } satisfies OktaConfig,
};

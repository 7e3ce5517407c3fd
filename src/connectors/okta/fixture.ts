/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises: Okta needs a
 * network, so the suite starts the fake org (test/fakes/okta/contract.ts, `startContractFake`) and
 * takes the configs it returns.
 */
import { oktaConnector } from './index.js';

export const contractFixture = { connector: oktaConnector };

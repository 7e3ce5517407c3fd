/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises: GitHub needs a
 * network, so the suite starts the fake GitHub (test/fakes/github/contract.ts, `startContractFake`)
 * and takes the configs it returns.
 */
import { githubConnector } from './index.js';

export const contractFixture = { connector: githubConnector };

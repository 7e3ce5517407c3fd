/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises: the connector
 * calls an API, so the suite starts the fake JSON API (test/fakes/custom-http/contract.ts,
 * `startContractFake`) and takes the configs it returns.
 */
import { customHttpConnector } from './index.js';

export const contractFixture = { connector: customHttpConnector };

/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises: AWS Config needs a
 * network, so the suite starts the fake AWS (test/fakes/aws-config/contract.ts, `startContractFake`)
 * and takes the configs it returns.
 */
import { awsConfigConnector } from './index.js';

export const contractFixture = { connector: awsConfigConnector };

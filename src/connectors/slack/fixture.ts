/**
 * What the connector contract suite (test/connectors/contract.test.ts) exercises: Slack needs a
 * network, so the suite starts the fake workspace (test/fakes/slack/contract.ts,
 * `startContractFake`) and takes the configs it returns.
 */
import { slackConnector } from './index.js';

export const contractFixture = { connector: slackConnector };

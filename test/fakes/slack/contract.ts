/**
 * The fake Slack workspace the connector contract suite points the `slack` connector at: more
 * members than a page (so a cursor comes before the listing ends), a bot token it knows and one
 * that was revoked.
 */
import type { SlackConfig } from '../../../src/connectors/slack/index.js';
import { BOT_TOKEN, REVOKED_TOKEN, startFakeSlack } from './server.js';

export async function startContractFake(): Promise<{
  validConfig: SlackConfig;
  invalidCredentialsConfig: SlackConfig;
  stop(): Promise<void>;
}> {
  const fake = await startFakeSlack({ members: 450, channels: 40 });
  return {
    validConfig: { bot_token: BOT_TOKEN, base_url: fake.url },
    invalidCredentialsConfig: { bot_token: REVOKED_TOKEN, base_url: fake.url },
    stop: () => fake.close(),
  };
}

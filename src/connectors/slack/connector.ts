import type { Connector } from '../sdk.js';
import { slackHealthCheck, slackTest } from './check.js';
import { type SlackConfig, slackDefinition } from './definition.js';
import { postMessageAction } from './post-message.js';
import { slackPreview, slackPreviewSchema } from './preview.js';
import { slackSync } from './sync.js';
import { slackWebhooks } from './webhooks.js';

/** A Slack workspace through the official Web API client, on the engine's guarded fetch. */
export const slackConnector: Connector<SlackConfig> = {
  definition: slackDefinition,
  test: slackTest,
  healthCheck: slackHealthCheck,
  sync: slackSync,
  preview: slackPreview,
  previewSchema: slackPreviewSchema,
  actions: { postMessage: postMessageAction },
  webhooks: slackWebhooks,
};

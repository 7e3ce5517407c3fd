import type { ConfigOf, ConfigSchema, ConnectorDefinition } from '../sdk.js';
import { letterIcon } from '../toolkit/icon.js';

/**
 * The bot scopes a sync and chat.postMessage need (docs.slack.dev, each method's "Required scopes"):
 * team.info, users.list (emails with users:read.email), conversations.list of public and private
 * channels, chat.postMessage.
 */
export const SLACK_BOT_SCOPES = [
  'team:read',
  'users:read',
  'users:read.email',
  'channels:read',
  'groups:read',
  'chat:write',
] as const;

const slackConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bot_token: {
      type: 'string',
      title: 'Bot token',
      description:
        "The bot token (xoxb-…) of a Slack app installed in the workspace with the scopes team:read, users:read, users:read.email, channels:read, groups:read and chat:write; an admin's user token (xoxp-…) also shows members' two-factor state. Leave empty when connecting with OAuth: its token is used instead.",
      format: 'password',
      pattern: '^xox',
      maxLength: 255,
    },
    client_id: {
      type: 'string',
      title: 'OAuth client ID',
      description: "Your Slack app's client ID (Basic Information → App Credentials), to connect with OAuth.",
      maxLength: 255,
    },
    client_secret: {
      type: 'string',
      title: 'OAuth client secret',
      description: "Your Slack app's client secret, to connect with OAuth.",
      format: 'password',
      maxLength: 255,
    },
    base_url: {
      type: 'string',
      title: 'API base URL',
      description:
        'Calls this URL instead of https://slack.com/api/ (GovSlack: https://slack-gov.com/api/, or a proxy).',
      format: 'uri',
      maxLength: 2048,
    },
  },
} as const satisfies ConfigSchema;

/** A Slack connection's config. */
export type SlackConfig = ConfigOf<typeof slackConfigSchema>;

/** Slack counts calls per method (and workspace): `/api/users.list` counts apart from `/api/team.info`. */
export function slackRateLimitFamily(pathname: string): string {
  return pathname.slice(pathname.lastIndexOf('/') + 1);
}

export const slackDefinition: ConnectorDefinition = {
  slug: 'slack',
  name: 'Slack',
  provider: 'slack',
  category: 'communication',
  shortDescription: 'Workspace members, channels and notifications via Slack',
  description:
    "A Slack workspace's members with their role (owner, admin, guest), deactivation, bot and two-factor state; " +
    'its public channels and the private ones the app is in, archived ones included; and the workspace itself. ' +
    'Evidence: two-factor coverage and guest access. Posts notifications to channels (chat.postMessage).',
  iconUrl: letterIcon('slack', 'S', '#4a154b'),
  documentationUrl: 'https://docs.slack.dev/apis/web-api/',
  websiteUrl: 'https://slack.com',
  authType: 'oauth2',
  configSchema: slackConfigSchema,
  capabilities: [
    'sync_users',
    'sync_resources',
    'collect_evidence',
    'send_notifications',
    'receive_webhooks',
  ],
  entities: [
    {
      name: 'users',
      description:
        'Members with their role (primary owner, owner, admin, single- or multi-channel guest), deactivation, bot and two-factor state.',
    },
    {
      name: 'channels',
      description: 'Public channels and the private channels the app is in, archived ones included.',
    },
    { name: 'workspace', description: 'The workspace (team) itself: its name, domain and email domain.' },
  ],
  version: '1.0.0',
  tags: ['slack', 'communication', 'chat', 'notifications'],
  oauth: {
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    scopes: [...SLACK_BOT_SCOPES],
    // docs.slack.dev, "Installing with OAuth": scopes comma-separated; the token answered is a bot's.
    scopeSeparator: ',',
    tokenTypes: ['bot'],
  },
  api: {
    baseUrl: 'https://slack.com/api/',
    // The installed app's token when connected by OAuth, else the pasted bot token.
    credential: { kind: 'header', header: 'authorization', prefix: 'Bearer ', field: 'bot_token' },
    rateLimitFamily: slackRateLimitFamily,
  },
};

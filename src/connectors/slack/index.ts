export { slackConnector } from './connector.js';
export { SLACK_BOT_SCOPES, type SlackConfig, slackDefinition } from './definition.js';
export type { PostMessageInput, PostMessageOutput } from './post-message.js';
export type { SlackPreview } from './preview.js';
export type { ChannelRecord, UserRecord, WorkspaceRecord } from './records.js';

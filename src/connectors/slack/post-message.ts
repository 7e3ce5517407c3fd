/**
 * The `postMessage` action (capability `send_notifications`): chat.postMessage to a channel, with
 * text, Block Kit blocks, or both (Slack then shows the blocks and uses the text in notifications).
 * What Slack refuses about the message or its channel is a validation error naming the problem:
 * trying again will not help until the input or the channel changes.
 */
import type { ChatPostMessageArguments } from '@slack/web-api';
import type { FromSchema } from 'json-schema-to-ts';
import { type ConnectorAction, type ConnectorContext, ProviderError } from '../sdk.js';
import { slackClient } from './client.js';
import type { SlackConfig } from './definition.js';
import { slackFailure, slackRefusal } from './errors.js';

export const postMessageInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channel'],
  anyOf: [{ required: ['text'] }, { required: ['blocks'] }],
  properties: {
    channel: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description: 'A channel id (C0123456789) or name (#alerts); the app must be a member of it',
    },
    text: {
      type: 'string',
      minLength: 1,
      maxLength: 40_000,
      description: 'The message, in mrkdwn; with blocks, the text notifications show',
    },
    blocks: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      description: 'Block Kit blocks',
      items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
    },
  },
} as const;

export type PostMessageInput = FromSchema<typeof postMessageInputSchema>;

export interface PostMessageOutput {
  /** The channel's id, whatever the input named it by. */
  channel: string;
  /** The message's timestamp: its id within the channel. */
  ts: string;
}

/** Slack's refusals of a message or its channel, and what each means for the input. */
const INVALID: Record<string, (channel: string) => string> = {
  channel_not_found: (c) => `Slack has no channel ${c} visible to this app`,
  not_in_channel: (c) => `The app is not a member of channel ${c}: invite it to the channel first`,
  is_archived: (c) => `Channel ${c} is archived`,
  restricted_action: (c) => `The workspace does not let this app post in channel ${c}`,
  no_text: () => 'The message has neither text nor blocks',
  msg_too_long: () => 'The message text is too long',
  invalid_blocks: () => 'Slack refused the blocks as invalid',
  invalid_blocks_format: () => 'The blocks are not an array of Block Kit blocks',
  too_many_attachments: () => 'The message has too many attachments',
};

function argumentsOf(input: PostMessageInput): ChatPostMessageArguments {
  const { channel, text, blocks } = input;
  if (blocks) return { channel, blocks, ...(text === undefined ? {} : { text }) };
  return { channel, text: text ?? '' };
}

async function postMessage(
  ctx: ConnectorContext<SlackConfig>,
  input: PostMessageInput,
): Promise<PostMessageOutput> {
  ctx.signal.throwIfAborted();
  const what = `Posting a message to ${input.channel}`;
  try {
    const posted = await slackClient(ctx).chat.postMessage(argumentsOf(input));
    if (posted.channel === undefined || posted.ts === undefined) {
      throw new ProviderError('permanent', `${what} failed: Slack named no channel or timestamp`);
    }
    return { channel: posted.channel, ts: posted.ts };
  } catch (error) {
    const code = slackRefusal(error)?.code ?? '';
    const invalid = INVALID[code];
    if (invalid) {
      throw new ProviderError('validation', `${what} failed: ${invalid(input.channel)} (${code})`, {
        providerMessage: code,
      });
    }
    throw slackFailure(error, what, ctx.signal);
  }
}

export const postMessageAction: ConnectorAction<SlackConfig, PostMessageInput, PostMessageOutput> = {
  description: 'Posts a message (text, Block Kit blocks, or both) to a Slack channel the app is in',
  inputSchema: postMessageInputSchema,
  run: postMessage,
};

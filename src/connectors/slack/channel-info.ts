/**
 * One channel as the sync stores it, read with conversations.info: channel events carry too little
 * of it (no membership of the app, member count, topic or purpose). `include_num_members` makes the
 * answer count members as conversations.list does.
 */
import type { WebClient } from '@slack/web-api';
import { slackRefusal } from './errors.js';
import { type ChannelRecord, channelRecord } from './records.js';

/** The channel's record, or null when this token no longer sees it (deleted, or a private channel the app left). */
export async function readChannel(client: WebClient, id: string): Promise<ChannelRecord | null> {
  try {
    const { channel } = await client.conversations.info({ channel: id, include_num_members: true });
    return channel?.id === undefined ? null : channelRecord({ ...channel, id: channel.id });
  } catch (error) {
    if (slackRefusal(error)?.code === 'channel_not_found') return null;
    throw error;
  }
}

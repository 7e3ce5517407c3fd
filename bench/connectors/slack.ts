// Slack in the benchmark: the connection, and the bare loop making its sync's requests (users.ts,
// channels.ts, workspace.ts), one at a time: the members 200 a page, the public and private
// channels (archived ones included) 200 a page, then the workspace. Each call is a POST of
// form-encoded arguments with the token as `Authorization: Bearer`, as the Web API client sends it.
import { stringify } from 'node:querystring';
import { slackConnector } from '../../src/connectors/slack/index.js';
import { PAGE_SIZE } from '../../src/connectors/slack/listing.js';
import { BOT_TOKEN } from '../../test/fakes/slack/server.js';
import { type Provider, post } from './bare.js';

const HEADERS = {
  authorization: `Bearer ${BOT_TOKEN}`,
  accept: 'application/json',
  'content-type': 'application/x-www-form-urlencoded',
};

interface Answer {
  ok: boolean;
  error?: string;
  response_metadata?: { next_cursor?: string };
}

/** A Web API method of the workspace at `url` (`…/api/`); an `ok: false` answer is thrown. */
async function call<T>(url: string, method: string, args: Record<string, string | number | boolean>) {
  const answer = await post<T & Answer>(`${url}${method}`, HEADERS, stringify(args));
  if (!answer.ok) throw new Error(`${method}: ${answer.error}`);
  return answer;
}

/** A cursor-paginated listing from its first page; the items of `key` it listed with an id. */
async function listing(
  url: string,
  method: string,
  args: Record<string, string | number | boolean>,
  key: 'members' | 'channels',
): Promise<number> {
  let items = 0;
  let cursor: string | undefined;
  do {
    const page = await call<Partial<Record<typeof key, { id?: string }[]>>>(url, method, {
      ...args,
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    items += (page[key] ?? []).filter((item) => typeof item.id === 'string').length;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return items;
}

async function slackBareLoop(url: string): Promise<number> {
  const members = await listing(url, 'users.list', {}, 'members');
  const channels = await listing(
    url,
    'conversations.list',
    { types: 'public_channel,private_channel', exclude_archived: false },
    'channels',
  );
  await call(url, 'team.info', {});
  return members + channels + 1;
}

export const slack: Provider = {
  connector: slackConnector,
  config: (url) => ({ bot_token: BOT_TOKEN, base_url: url }),
  bareLoop: slackBareLoop,
};

// Slack in the benchmark: the connection, and its sync's requests (users.ts, channels.ts,
// workspace.ts), made by the bare loop or through the WebClient, one at a time: the members 200 a
// page, the public and private channels (archived ones included) 200 a page, then the workspace. Each call is a POST of
// form-encoded arguments with the token as `Authorization: Bearer`, as the Web API client sends it.
import { stringify } from 'node:querystring';
import { configuredWebClient } from '../../src/connectors/slack/client.js';
import { slackConnector } from '../../src/connectors/slack/index.js';
import { PAGE_SIZE } from '../../src/connectors/slack/listing.js';
import { createLogger } from '../../src/platform/logging/logger.js';
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

type Args = Record<string, string | number | boolean>;

/**
 * A Web API method called with `args`: by undici (the bare loop), or through the WebClient as the
 * connector configures it (the SDK's floor); an `ok: false` answer is thrown.
 */
type Call = <T>(method: string, args: Args) => Promise<T & Answer>;

/** The bare loop's call to the workspace at `url` (`…/api/`). */
function bare(url: string): Call {
  return async <T>(method: string, args: Args) => {
    const answer = await post<T & Answer>(`${url}${method}`, HEADERS, stringify(args));
    if (!answer.ok) throw new Error(`${method}: ${answer.error}`);
    return answer;
  };
}

/** The connector's WebClient on the SDK's default fetch, sending the token itself. */
function webClient(url: string): Call {
  const client = configuredWebClient(url, globalThis.fetch, createLogger('silent'), BOT_TOKEN);
  return async <T>(method: string, args: Args) => (await client.apiCall(method, args)) as T & Answer;
}

/** A cursor-paginated listing from its first page; the items of `key` it listed with an id. */
async function listing(call: Call, method: string, args: Args, key: 'members' | 'channels'): Promise<number> {
  let items = 0;
  let cursor: string | undefined;
  do {
    const page = await call<Partial<Record<typeof key, { id?: string }[]>>>(method, {
      ...args,
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    items += (page[key] ?? []).filter((item) => typeof item.id === 'string').length;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return items;
}

/** The sync's requests, made by `call`; the records a sync stores from them. */
async function slackLoop(call: Call): Promise<number> {
  const members = await listing(call, 'users.list', {}, 'members');
  const channels = await listing(
    call,
    'conversations.list',
    { types: 'public_channel,private_channel', exclude_archived: false },
    'channels',
  );
  await call('team.info', {});
  return members + channels + 1;
}

export const slack: Provider = {
  connector: slackConnector,
  config: (url) => ({ bot_token: BOT_TOKEN, base_url: url }),
  bareLoop: (url) => slackLoop(bare(url)),
  sdk: { name: '@slack/web-api WebClient', loop: (url) => slackLoop(webClient(url)) },
};

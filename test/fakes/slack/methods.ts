/**
 * The Web API methods the fake answers, as Slack's method reference describes them: their scopes
 * (a missing one is `missing_scope` with `needed` and `provided`), arguments, cursor pagination
 * (`limit` and `cursor`, the next page's cursor in `response_metadata.next_cursor`, empty at the end;
 * fewer items than `limit` may come back before the end) and error codes.
 */
import { type Answer, decodeCursor, encodeCursor, fail, flag, ok } from './http.js';
import { type SlackChannel, type SlackMember, visibleChannels, type WorkspaceData } from './workspace.js';

export interface FakeToken {
  token: string;
  /** Granted scopes, announced in `x-oauth-scopes` on every answer. */
  scopes: string[];
  /** The member the token acts as: the app's bot user for a bot token (xoxb), a person for a user token (xoxp). */
  userId: string;
  /** Revoked (`token_revoked`) or its user deactivated (`account_inactive`). */
  state?: 'active' | 'revoked' | 'inactive';
}

export interface MethodContext {
  data: WorkspaceData;
  token: FakeToken;
  params: Record<string, unknown>;
  /** At most this many items a page, whatever `limit` asks (Slack may return fewer than asked). */
  pageCap: number;
}

interface Method {
  /** The scopes a call needs, given its arguments. */
  scopes(params: Record<string, unknown>): string[];
  answer(ctx: MethodContext): Answer;
}

/** The pagination guide: `limit` is at most 1,000 (methods document lower recommendations, 100–200). */
const MAX_LIMIT = 1000;
/** users.list: without a `limit`, Slack tries to answer everything, and large teams get `limit_required`. */
const UNLIMITED_USERS_MAX = 1000;
/** chat.postMessage: "The usage of `text` is limited to 40,000 characters" (msg_too_long past it). */
const TEXT_MAX = 40_000;

const CHANNEL_SCOPES: Record<string, string> = {
  public_channel: 'channels:read',
  private_channel: 'groups:read',
  mpim: 'mpim:read',
  im: 'im:read',
};

function typesOf(params: Record<string, unknown>): string[] {
  const types = typeof params.types === 'string' && params.types !== '' ? params.types : 'public_channel';
  return types.split(',').map((t) => t.trim());
}

type Page<T> = { items: T[]; next: string } | { error: Answer };

/** One page of `items` (in listing order) from the request's `cursor`, at most `limit` of them. */
function page<T extends { id: string }>(
  ctx: MethodContext,
  items: T[],
  kind: string,
  defaultLimit: number,
): Page<T> {
  const raw = ctx.params.limit;
  let limit = defaultLimit;
  if (raw !== undefined && raw !== '' && Number(raw) !== 0) {
    const asked = Number(raw);
    if (!Number.isInteger(asked) || asked < 0) return { error: fail('invalid_limit') };
    limit = Math.min(asked, MAX_LIMIT);
  }
  let start = 0;
  const cursor = ctx.params.cursor;
  if (typeof cursor === 'string' && cursor !== '') {
    const id = decodeCursor(cursor, kind);
    if (id === null) return { error: fail('invalid_cursor') };
    start = items.findIndex((item) => item.id >= id);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + Math.min(limit, ctx.pageCap));
  const after = items[start + slice.length];
  return { items: slice, next: after ? encodeCursor(kind, after.id) : '' };
}

/** A member as this token may see it: `has_2fa` for admins' tokens only, the email with users:read.email. */
export function memberAs(member: SlackMember, ctx: MethodContext): Record<string, unknown> {
  const { has_2fa: hasTwoFactor, two_factor_type: type, profile, ...rest } = member;
  const caller = ctx.data.members.find((m) => m.id === ctx.token.userId);
  const { email, ...withoutEmail } = profile;
  const seen: Record<string, unknown> = {
    ...rest,
    profile: ctx.token.scopes.includes('users:read.email') && email !== undefined ? profile : withoutEmail,
  };
  if (caller?.is_admin) {
    seen.has_2fa = hasTwoFactor;
    if (type !== undefined) seen.two_factor_type = type;
  }
  return seen;
}

function channelAs(channel: SlackChannel, userId: string): Record<string, unknown> {
  const { members, ...rest } = channel;
  return { ...rest, is_member: members.includes(userId), num_members: members.length };
}

const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

function blocksOf(value: unknown): unknown[] | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return 'invalid';
    }
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (b) => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string',
    );
  return valid ? (parsed as unknown[]) : 'invalid';
}

let sequence = 0;

export const METHODS: Record<string, Method> = {
  'auth.test': {
    scopes: () => [],
    answer: ({ data, token }) => {
      const user = data.members.find((m) => m.id === token.userId);
      return ok({
        url: data.team.url,
        team: data.team.name,
        user: user?.name ?? 'unknown',
        team_id: data.team.id,
        user_id: token.userId,
        ...(token.userId === data.bot.userId ? { bot_id: data.bot.botId } : {}),
        is_enterprise_install: false,
      });
    },
  },
  'team.info': {
    scopes: () => ['team:read'],
    answer: ({ data, params }) =>
      params.team !== undefined && params.team !== data.team.id
        ? fail('team_not_found')
        : ok({ team: data.team }),
  },
  'users.list': {
    scopes: () => ['users:read'],
    answer: (ctx) => {
      const members = byId(ctx.data.members);
      if (
        (ctx.params.limit === undefined || Number(ctx.params.limit) === 0) &&
        members.length > UNLIMITED_USERS_MAX
      ) {
        return fail('limit_required');
      }
      const listed = page(ctx, members, 'user', members.length);
      if ('error' in listed) return listed.error;
      return ok({
        members: listed.items.map((m) => memberAs(m, ctx)),
        cache_ts: Math.floor(Date.now() / 1000),
        response_metadata: { next_cursor: listed.next },
      });
    },
  },
  'conversations.list': {
    scopes: (params) => typesOf(params).flatMap((t) => (CHANNEL_SCOPES[t] ? [CHANNEL_SCOPES[t]] : [])),
    answer: (ctx) => {
      const types = typesOf(ctx.params);
      if (types.some((t) => CHANNEL_SCOPES[t] === undefined)) return fail('invalid_types');
      const userId = ctx.token.userId;
      const channels = byId(visibleChannels(ctx.data, userId)).filter(
        (c) =>
          types.includes(c.is_private ? 'private_channel' : 'public_channel') &&
          !(flag(ctx.params.exclude_archived) && c.is_archived),
      );
      const listed = page(ctx, channels, 'team', 100);
      if ('error' in listed) return listed.error;
      return ok({
        channels: listed.items.map((c) => channelAs(c, userId)),
        response_metadata: { next_cursor: listed.next },
      });
    },
  },
  'conversations.info': {
    // Its scope follows the conversation's type (channels:read public, groups:read private): checked once found.
    scopes: () => [],
    answer: ({ data, token, params }) => {
      const userId = token.userId;
      const channel = visibleChannels(data, userId).find((c) => c.id === params.channel);
      if (!channel) return fail('channel_not_found');
      const needed = channel.is_private ? 'groups:read' : 'channels:read';
      if (!token.scopes.includes(needed)) {
        return fail('missing_scope', { needed, provided: token.scopes.join(',') });
      }
      // The member count only when asked for (`include_num_members`, false by default).
      const { num_members: count, ...shown } = channelAs(channel, userId);
      return ok({ channel: flag(params.include_num_members) ? { ...shown, num_members: count } : shown });
    },
  },
  'chat.postMessage': {
    scopes: () => ['chat:write'],
    answer: ({ data, token, params }) => {
      const asked = typeof params.channel === 'string' ? params.channel : '';
      if (asked === '') return fail('channel_not_found');
      const name = asked.replace(/^#/, '');
      const channel = visibleChannels(data, token.userId).find((c) => c.id === asked || c.name === name);
      if (!channel) return fail('channel_not_found');
      if (channel.is_archived) return fail('is_archived');
      const member = channel.members.includes(token.userId);
      if (!member && (channel.is_private || !token.scopes.includes('chat:write.public'))) {
        return fail('not_in_channel');
      }
      const blocks = blocksOf(params.blocks);
      if (blocks === 'invalid') return fail('invalid_blocks');
      const text = typeof params.text === 'string' ? params.text : '';
      if (text === '' && blocks === undefined) return fail('no_text');
      if (text.length > TEXT_MAX) return fail('msg_too_long');
      sequence += 1;
      const ts = `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, '0')}`;
      const message = {
        channel: channel.id,
        ts,
        text,
        user: token.userId,
        bot_id: data.bot.botId,
        ...(blocks ? { blocks } : {}),
      };
      data.messages.push(message);
      const { channel: _, ...shown } = message;
      return ok({
        channel: channel.id,
        ts,
        message: { type: 'message', ...shown, app_id: data.bot.appId, team: data.team.id },
      });
    },
  },
};

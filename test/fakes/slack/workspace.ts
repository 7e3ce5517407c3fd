/**
 * The fake Slack workspace: its team, members and channels, shaped as Slack's Web API answers them
 * (docs.slack.dev, object types `user`, `team` and `conversation`), generated from a size and an
 * index so that tests know every number. Roles follow Slack's flags: owners are admins too
 * (`is_admin`), the primary owner is an owner, a single-channel guest is also `is_restricted`
 * (`is_ultra_restricted` tells it from a multi-channel one), deactivated members stay listed with
 * `deleted: true`, and Slackbot (`USLACKBOT`) is listed but is not `is_bot`.
 */

export interface SlackProfile {
  real_name: string;
  real_name_normalized: string;
  display_name: string;
  display_name_normalized: string;
  email?: string;
  title: string;
  status_text: string;
  status_emoji: string;
  avatar_hash: string;
  image_72: string;
  team: string;
  bot_id?: string;
}

/** A member as users.list returns it, plus what only an admin's token sees (`has_2fa`). */
export interface SlackMember {
  id: string;
  team_id: string;
  name: string;
  deleted: boolean;
  color: string;
  real_name: string;
  tz: string;
  tz_label: string;
  tz_offset: number;
  profile: SlackProfile;
  is_admin: boolean;
  is_owner: boolean;
  is_primary_owner: boolean;
  is_restricted: boolean;
  is_ultra_restricted: boolean;
  is_bot: boolean;
  is_app_user: boolean;
  is_email_confirmed: boolean;
  updated: number;
  who_can_share_contact_card: string;
  /** Slack shows it only to admins' tokens (the user type: "Only visible if the user executing the call is an admin"). */
  has_2fa: boolean;
  two_factor_type?: 'app' | 'sms';
}

export interface SlackChannel {
  id: string;
  name: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: false;
  is_mpim: false;
  is_private: boolean;
  created: number;
  is_archived: boolean;
  is_general: boolean;
  unlinked: number;
  name_normalized: string;
  is_shared: boolean;
  is_org_shared: boolean;
  is_ext_shared: boolean;
  is_pending_ext_shared: boolean;
  pending_shared: string[];
  context_team_id: string;
  updated: number;
  parent_conversation: null;
  creator: string;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  previous_names: string[];
  /** Member ids (answered as `num_members`, and `is_member` for the caller). */
  members: string[];
}

export interface SlackTeam {
  id: string;
  name: string;
  url: string;
  domain: string;
  email_domain: string;
  icon: { image_34: string; image_68: string; image_default: boolean };
  avatar_base_url: string;
  is_verified: boolean;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  user: string;
  bot_id: string;
}

export interface WorkspaceData {
  team: SlackTeam;
  members: SlackMember[];
  channels: SlackChannel[];
  /** The app's bot user (a member of the listing too). */
  bot: { userId: string; botId: string; appId: string; name: string };
  /** What chat.postMessage stored. */
  messages: PostedMessage[];
}

export interface WorkspaceOptions {
  /** Members listed, Slackbot and the app's bot user included (default 120). */
  members?: number;
  /** Channels, public and private, some archived (default 30). */
  channels?: number;
}

export const TEAM_ID = 'T0FAKE0001';
const EPOCH = 1_600_000_000;

/** Slack-looking ids in listing order: a prefix and nine base-36 characters. */
const slackId = (prefix: string, index: number) =>
  `${prefix}${index.toString(36).toUpperCase().padStart(9, '0')}`;

function profile(name: string, realName: string, email: string | undefined, botId?: string): SlackProfile {
  return {
    real_name: realName,
    real_name_normalized: realName,
    display_name: name,
    display_name_normalized: name,
    ...(email === undefined ? {} : { email }),
    title: '',
    status_text: '',
    status_emoji: '',
    avatar_hash: 'g1a2b3c4d5e6',
    image_72: `https://avatars.slack-edge.com/${name}_72.png`,
    team: TEAM_ID,
    ...(botId === undefined ? {} : { bot_id: botId }),
  };
}

function member(
  index: number,
  change: Partial<SlackMember> & { name: string; real_name: string },
): SlackMember {
  const { name, real_name: realName } = change;
  return {
    id: slackId('U', index),
    team_id: TEAM_ID,
    deleted: false,
    color: '9f69e7',
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: profile(name, realName, `${name}@acme.example`),
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    is_email_confirmed: true,
    updated: EPOCH + index,
    who_can_share_contact_card: 'EVERYONE',
    has_2fa: false,
    ...change,
  };
}

/** Person number `i` (from 2: 0 is Slackbot, 1 the app's bot), its role decided by its index. */
function person(i: number): SlackMember {
  const name = `user${i}`;
  const base = member(i, { name, real_name: `User ${i}` });
  const owner = i === 2 || i % 97 === 0;
  const admin = owner || i % 23 === 0;
  const bot = !owner && i % 29 === 0;
  const singleGuest = !admin && !bot && i % 17 === 0;
  const multiGuest = !admin && !bot && !singleGuest && i % 13 === 0;
  const twoFactor = !bot && i % 3 !== 0;
  return {
    ...base,
    is_owner: owner,
    is_primary_owner: i === 2,
    is_admin: admin,
    is_restricted: singleGuest || multiGuest,
    is_ultra_restricted: singleGuest,
    is_bot: bot,
    deleted: !owner && i % 11 === 0,
    has_2fa: twoFactor,
    ...(twoFactor ? { two_factor_type: i % 2 === 0 ? 'app' : 'sms' } : {}),
    ...(bot
      ? {
          name: `integration${i}`,
          real_name: `Integration ${i}`,
          profile: profile(`integration${i}`, `Integration ${i}`, undefined, slackId('B', i)),
        }
      : {}),
  };
}

function channel(
  index: number,
  change: Partial<SlackChannel> & { name: string; members: string[] },
): SlackChannel {
  const created = EPOCH + index * 3600;
  const creator = change.members[0] ?? slackId('U', 2);
  return {
    id: slackId('C', index),
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    created,
    is_archived: false,
    is_general: false,
    unlinked: 0,
    name_normalized: change.name,
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: TEAM_ID,
    updated: created * 1000,
    parent_conversation: null,
    creator,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: `The ${change.name} channel`, creator, last_set: created },
    previous_names: [],
    ...change,
  };
}

/** A workspace of `members` members and `channels` channels, the same every time for the same sizes. */
export function slackWorkspace(options: WorkspaceOptions = {}): WorkspaceData {
  const size = Math.max(2, options.members ?? 120);
  const bot = { userId: slackId('U', 1), botId: 'B0FAKEBOT1', appId: 'A0FAKEAPP1', name: 'switchboard' };
  const members: SlackMember[] = [
    // Slackbot: listed, `is_bot: false` (Slack's own quirk), no email.
    {
      ...member(0, { name: 'slackbot', real_name: 'Slackbot' }),
      id: 'USLACKBOT',
      profile: profile('slackbot', 'Slackbot', undefined),
      updated: 0,
    },
    {
      ...member(1, { name: bot.name, real_name: 'Switchboard' }),
      is_bot: true,
      profile: profile(bot.name, 'Switchboard', undefined, bot.botId),
    },
  ];
  for (let i = 2; i < size; i++) members.push(person(i));
  const people = members.filter((m) => !m.is_bot && !m.deleted && m.id !== 'USLACKBOT').map((m) => m.id);
  const channels: SlackChannel[] = [];
  const count = Math.max(1, options.channels ?? 30);
  for (let i = 0; i < count; i++) {
    const isPrivate = i % 4 === 3;
    // The bot is in every third public channel and in half of the private ones: it sees only those.
    const botIn = isPrivate ? i % 8 === 3 : i % 3 === 0;
    const share = people.filter((_, p) => (p + i) % 5 === 0);
    channels.push(
      channel(i, {
        name: i === 0 ? 'general' : `${isPrivate ? 'private' : 'channel'}-${i}`,
        is_general: i === 0,
        is_channel: !isPrivate,
        is_group: isPrivate,
        is_private: isPrivate,
        is_archived: i !== 0 && i % 7 === 5,
        members: botIn ? [...share, bot.userId] : share,
      }),
    );
  }
  return {
    team: {
      id: TEAM_ID,
      name: 'Acme',
      url: 'https://acme.slack.com/',
      domain: 'acme',
      email_domain: 'acme.example',
      icon: {
        image_34: 'https://a.slack-edge.com/acme_34.png',
        image_68: 'https://a.slack-edge.com/acme_68.png',
        image_default: true,
      },
      avatar_base_url: 'https://ca.slack-edge.com/',
      is_verified: false,
    },
    members,
    channels,
    bot,
    messages: [],
  };
}

/** The channels a member sees in conversations.list: every public one, and the private ones it is in. */
export function visibleChannels(data: WorkspaceData, userId: string): SlackChannel[] {
  return data.channels.filter((c) => !c.is_private || c.members.includes(userId));
}

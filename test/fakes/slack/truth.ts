/**
 * What the fake workspace holds, counted from its model (never from a connector): the numbers a
 * preview and the evidence must equal, as the member whose token synced it sees them (the app's bot
 * by default): the private channels it is in, and two-factor state only if it is an admin.
 */
import { type SlackMember, visibleChannels, type WorkspaceData } from './workspace.js';

const isBot = (m: SlackMember) => m.is_bot || m.id === 'USLACKBOT';

/** Active people: neither deactivated nor a bot. */
export function activePeople(data: WorkspaceData): SlackMember[] {
  return data.members.filter((m) => !m.deleted && !isBot(m));
}

const pct = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);
const count = <T>(list: T[], keep: (item: T) => boolean) => list.filter(keep).length;

export function expectedPreview(data: WorkspaceData, viewer: string = data.bot.userId) {
  const people = activePeople(data);
  const twoFactorVisible = data.members.find((m) => m.id === viewer)?.is_admin === true;
  const twoFactor = twoFactorVisible ? count(people, (m) => m.has_2fa) : null;
  const channels = visibleChannels(data, viewer);
  return {
    members: {
      total: data.members.length,
      active: count(data.members, (m) => !m.deleted),
      deactivated: count(data.members, (m) => m.deleted),
      admins: count(people, (m) => m.is_admin),
      owners: count(people, (m) => m.is_owner),
      guests: count(people, (m) => m.is_restricted),
      single_channel_guests: count(people, (m) => m.is_ultra_restricted),
      multi_channel_guests: count(people, (m) => m.is_restricted && !m.is_ultra_restricted),
      bots: count(data.members, (m) => !m.deleted && isBot(m)),
      two_factor_enabled: twoFactor,
      two_factor_pct: twoFactor === null ? null : pct(twoFactor, people.length),
    },
    channels: {
      total: channels.length,
      public: count(channels, (c) => !c.is_private),
      private: count(channels, (c) => c.is_private),
      archived: count(channels, (c) => c.is_archived),
    },
  };
}

/** Active people without two-factor authentication, by id. */
export function withoutTwoFactor(data: WorkspaceData): string[] {
  return activePeople(data)
    .filter((m) => !m.has_2fa)
    .map((m) => m.id);
}

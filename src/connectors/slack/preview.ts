/**
 * The Slack preview (endpoint #25, in the style of the spec's Okta and GitHub examples), counted
 * from the records of the last successful sync: never a call to Slack.
 */
import type { StoredRecords } from '../sdk.js';
import { countRecords, countsSchema, percent, percentSchema, previewSchemaOf } from '../toolkit/preview.js';

/**
 * Members: every member users.list gives in `total`; roles, guests and two-factor state count active
 * people (neither deactivated nor bots); `bots` counts active bots and app users, Slackbot included;
 * `admins` includes owners (Slack marks owners admins too). Two-factor numbers are null when Slack
 * gave no two-factor state (it shows it to admins' tokens only). Channels: public ones and the
 * private ones the app is in, archived ones included.
 */
export type SlackPreview = {
  members: {
    total: number;
    active: number;
    deactivated: number;
    admins: number;
    owners: number;
    guests: number;
    single_channel_guests: number;
    multi_channel_guests: number;
    bots: number;
    two_factor_enabled: number | null;
    two_factor_pct: number | null;
  };
  channels: { total: number; public: number; private: number; archived: number };
};

export const slackPreviewSchema = previewSchemaOf({
  members: countsSchema(
    [
      'total',
      'active',
      'deactivated',
      'admins',
      'owners',
      'guests',
      'single_channel_guests',
      'multi_channel_guests',
      'bots',
    ],
    {
      two_factor_enabled: {
        type: ['integer', 'null'],
        minimum: 0,
        description: "null when Slack gave no two-factor state (it shows it to admins' tokens only)",
      },
      two_factor_pct: percentSchema,
    },
  ),
  channels: countsSchema(['total', 'public', 'private', 'archived']),
});

const yes = (value: unknown) => value === true;

export async function slackPreview(records: StoredRecords): Promise<SlackPreview> {
  const members = {
    total: 0,
    active: 0,
    deactivated: 0,
    admins: 0,
    owners: 0,
    guests: 0,
    single_channel_guests: 0,
    multi_channel_guests: 0,
    bots: 0,
  };
  let twoFactorKnown = 0;
  let twoFactorEnabled = 0;
  for await (const user of records.each('users')) {
    members.total += 1;
    if (yes(user.deleted)) {
      members.deactivated += 1;
      continue;
    }
    members.active += 1;
    if (yes(user.is_bot)) {
      members.bots += 1;
      continue;
    }
    if (yes(user.is_admin)) members.admins += 1;
    if (yes(user.is_owner)) members.owners += 1;
    if (user.guest_type === 'single_channel') members.single_channel_guests += 1;
    if (user.guest_type === 'multi_channel') members.multi_channel_guests += 1;
    if (typeof user.has_2fa === 'boolean') {
      twoFactorKnown += 1;
      if (user.has_2fa) twoFactorEnabled += 1;
    }
  }
  members.guests = members.single_channel_guests + members.multi_channel_guests;
  const channels = await countRecords(records, 'channels', {
    public: (channel) => !yes(channel.is_private),
    private: (channel) => yes(channel.is_private),
    archived: (channel) => yes(channel.is_archived),
  });
  return {
    members: {
      ...members,
      two_factor_enabled: twoFactorKnown === 0 ? null : twoFactorEnabled,
      two_factor_pct: percent(twoFactorEnabled, twoFactorKnown),
    },
    channels: {
      total: channels.total,
      public: channels.public,
      private: channels.private,
      archived: channels.archived,
    },
  };
}

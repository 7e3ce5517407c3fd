/**
 * The records a sync stores: Slack's objects reduced to what the preview, the evidence and a reader
 * need. Presence, status text and avatars are left out: they change all day and would make every
 * sync an update of every member.
 */
import type { ConversationsListResponse, TeamInfoResponse, UsersListResponse } from '@slack/web-api';

export type SlackMember = NonNullable<UsersListResponse['members']>[number];
export type SlackChannel = NonNullable<ConversationsListResponse['channels']>[number];
export type SlackTeam = NonNullable<TeamInfoResponse['team']>;

/** Slackbot: listed by users.list with `is_bot: false`, yet no person. */
export const SLACKBOT = 'USLACKBOT';

export interface UserRecord {
  id: string;
  team_id: string | null;
  name: string | null;
  real_name: string | null;
  email: string | null;
  /** Deactivated (Slack keeps listing them). */
  deleted: boolean;
  /** A bot or app user, Slackbot included. */
  is_bot: boolean;
  is_admin: boolean;
  is_owner: boolean;
  is_primary_owner: boolean;
  /** A guest: single-channel when `is_ultra_restricted`, else multi-channel. */
  is_restricted: boolean;
  is_ultra_restricted: boolean;
  guest_type: 'single_channel' | 'multi_channel' | null;
  /** Null when Slack did not say: it shows two-factor state to admins' tokens only. */
  has_2fa: boolean | null;
  two_factor_type: string | null;
  tz: string | null;
  updated_at: string | null;
}

export interface ChannelRecord {
  id: string;
  name: string | null;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  /** Shared with another workspace or organization (Slack Connect). */
  is_ext_shared: boolean;
  is_shared: boolean;
  /** The app is a member. */
  is_member: boolean;
  num_members: number | null;
  created_at: string | null;
  creator: string | null;
  topic: string | null;
  purpose: string | null;
}

export interface WorkspaceRecord {
  id: string;
  name: string | null;
  domain: string | null;
  email_domain: string | null;
  url: string | null;
  enterprise_id: string | null;
  enterprise_name: string | null;
}

const iso = (epochSeconds: number | undefined) =>
  epochSeconds === undefined || epochSeconds === 0 ? null : new Date(epochSeconds * 1000).toISOString();
const text = (value: string | undefined) => (value === undefined || value === '' ? null : value);

export function userRecord(member: SlackMember & { id: string }): UserRecord {
  const guest = member.is_restricted === true;
  const single = member.is_ultra_restricted === true;
  return {
    id: member.id,
    team_id: member.team_id ?? null,
    name: member.name ?? null,
    real_name: text(member.real_name ?? member.profile?.real_name),
    email: text(member.profile?.email),
    deleted: member.deleted === true,
    is_bot: member.is_bot === true || member.id === SLACKBOT,
    is_admin: member.is_admin === true,
    is_owner: member.is_owner === true,
    is_primary_owner: member.is_primary_owner === true,
    is_restricted: guest || single,
    is_ultra_restricted: single,
    guest_type: single ? 'single_channel' : guest ? 'multi_channel' : null,
    has_2fa: member.has_2fa ?? null,
    two_factor_type: text(member.two_factor_type),
    tz: text(member.tz),
    updated_at: iso(member.updated),
  };
}

export function channelRecord(channel: SlackChannel & { id: string }): ChannelRecord {
  return {
    id: channel.id,
    name: channel.name ?? null,
    is_private: channel.is_private === true,
    is_archived: channel.is_archived === true,
    is_general: channel.is_general === true,
    is_ext_shared: channel.is_ext_shared === true,
    is_shared: channel.is_shared === true,
    is_member: channel.is_member === true,
    num_members: channel.num_members ?? null,
    created_at: iso(channel.created),
    creator: text(channel.creator),
    topic: text(channel.topic?.value),
    purpose: text(channel.purpose?.value),
  };
}

export function workspaceRecord(team: SlackTeam & { id: string }): WorkspaceRecord {
  return {
    id: team.id,
    name: team.name ?? null,
    domain: text(team.domain),
    email_domain: text(team.email_domain),
    url: text(team.url),
    enterprise_id: text(team.enterprise_id),
    enterprise_name: text(team.enterprise_name),
  };
}

/** A record's data as the engine stores it: a plain JSON object. */
export function asData(record: object): Record<string, unknown> {
  return { ...record };
}

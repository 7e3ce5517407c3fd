/**
 * What Okta's events do to a connection's records. An event names its objects (`target`) but does
 * not hold them: each user, group or application an event changed is read again (Get User and its
 * factors, Get Group, Get Application) and stored exactly as the sync stores it. Several events about
 * one object in a delivery make one read. An object deleted at Okta, or read as gone (404), is a
 * delete; so is a user deactivated into DEPROVISIONED when the connection does not sync those (a full
 * sync would not find it). Events that change nothing the sync stores (sign-ins…) have no effect.
 */
import type { ConnectorContext, ConnectorWebhooks, SyncRecord, WebhookEffect, WebhookEvent } from '../sdk.js';
import { oktaGetOrNull, PATHS } from './client.js';
import type { OktaConfig } from './definition.js';
import { directoryRecord } from './directory.js';
import { type LogEvent, logEvents } from './event-hook.js';
import { oktaHookScheme } from './hook-scheme.js';
import type { OktaObject, OktaUser } from './okta-types.js';
import { factorsOf, syncsUser, userRecord } from './users.js';

type Ctx = ConnectorContext<OktaConfig>;
type Entity = 'users' | 'groups' | 'applications';
type Change = 'read' | 'delete';

/** Account and factor events that change a stored user (its status, profile, password date, factors). */
const USER_CHANGES: ReadonlySet<string> = new Set([
  'user.account.update_profile',
  'user.account.update_primary_email',
  'user.account.update_secondary_email',
  'user.account.update_password',
  'user.account.reset_password',
  'user.account.expire_password',
  'user.account.lock',
  'user.account.unlock',
  'user.account.unlock_by_admin',
  'user.mfa.factor.activate',
  'user.mfa.factor.deactivate',
  'user.mfa.factor.reset_all',
  'user.mfa.factor.suspend',
  'user.mfa.factor.unsuspend',
  'user.mfa.factor.update',
]);

/** Which targets an event changes (by System Log target type) and how; the first matching rule wins. */
const RULES: { matches: (eventType: string) => boolean; target: string; entity: Entity; change: Change }[] = [
  {
    matches: (t) => t.startsWith('user.lifecycle.delete.'),
    target: 'User',
    entity: 'users',
    change: 'delete',
  },
  {
    matches: (t) => t.startsWith('user.lifecycle.') || USER_CHANGES.has(t),
    target: 'User',
    entity: 'users',
    change: 'read',
  },
  { matches: (t) => t === 'group.lifecycle.delete', target: 'UserGroup', entity: 'groups', change: 'delete' },
  {
    // A membership change moves the group's `lastMembershipUpdated`; users hold no memberships.
    matches: (t) =>
      t.startsWith('group.lifecycle.') ||
      t.startsWith('group.user_membership.') ||
      t === 'group.profile.update',
    target: 'UserGroup',
    entity: 'groups',
    change: 'read',
  },
  {
    matches: (t) => t === 'application.lifecycle.delete',
    target: 'AppInstance',
    entity: 'applications',
    change: 'delete',
  },
  {
    matches: (t) => t.startsWith('application.lifecycle.'),
    target: 'AppInstance',
    entity: 'applications',
    change: 'read',
  },
];

/** Each changed object by entity and id; a delete wins over a read, whatever the events' order. */
function changes(events: LogEvent[]): Map<Entity, Map<string, Change>> {
  const byEntity = new Map<Entity, Map<string, Change>>();
  for (const event of events) {
    const rule = RULES.find((r) => r.matches(event.eventType));
    if (!rule) continue;
    const ids = byEntity.get(rule.entity) ?? new Map<string, Change>();
    for (const target of event.target) {
      if (target.type === rule.target && ids.get(target.id) !== 'delete') ids.set(target.id, rule.change);
    }
    byEntity.set(rule.entity, ids);
  }
  return byEntity;
}

/** The user as the sync stores it; null when it is gone or the sync does not store it. */
async function readUser(ctx: Ctx, id: string): Promise<SyncRecord | null> {
  const user = await oktaGetOrNull<OktaUser>(ctx, PATHS.user(id), `Reading Okta user ${id}`);
  if (user === null || !syncsUser(ctx.config, user)) return null;
  const factors = await factorsOf(ctx, user);
  return factors === null ? null : userRecord(user, factors);
}

async function readDirectory(ctx: Ctx, path: string, what: string): Promise<SyncRecord | null> {
  const item = await oktaGetOrNull<OktaObject>(ctx, path, what);
  return item === null ? null : directoryRecord(item);
}

const READ: Record<Entity, (ctx: Ctx, id: string) => Promise<SyncRecord | null>> = {
  users: readUser,
  groups: (ctx, id) => readDirectory(ctx, PATHS.group(id), `Reading Okta group ${id}`),
  applications: (ctx, id) => readDirectory(ctx, PATHS.app(id), `Reading Okta application ${id}`),
};

async function handle(event: WebhookEvent, ctx: Ctx): Promise<WebhookEffect[]> {
  const events = logEvents(event.payload);
  if (events === null) {
    ctx.logger.warn({ event_id: event.id }, 'Okta event hook delivery without data.events: nothing to apply');
    return [];
  }
  const effects: WebhookEffect[] = [];
  for (const [entity, ids] of changes(events)) {
    const records: SyncRecord[] = [];
    const gone: string[] = [];
    for (const [id, change] of ids) {
      ctx.signal.throwIfAborted();
      const record = change === 'read' ? await READ[entity](ctx, id) : null;
      if (record === null) gone.push(id);
      else records.push(record);
    }
    if (records.length > 0) effects.push({ kind: 'upsert', entity, records });
    if (gone.length > 0) effects.push({ kind: 'delete', entity, ids: gone });
  }
  return effects;
}

export const oktaWebhooks: ConnectorWebhooks<OktaConfig> = { scheme: oktaHookScheme, handle };

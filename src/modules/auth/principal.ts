import type { OrgRole, Permission } from './permissions.js';

/** Who is calling, for which org, with which rights: set on every authenticated request. */
export interface Principal {
  kind: 'user' | 'api_key';
  /** The user's id, or the API key's id. */
  id: string;
  /** The user behind the call: the user, or the API key's creator (null once that user is gone). */
  userId: string | null;
  name: string;
  orgId: string;
  /** The user's role in the org; API keys have none, only scopes. */
  role: OrgRole | null;
  permissions: ReadonlySet<Permission>;
  isSuperAdmin: boolean;
}

/** What an audit entry and a service need to know about the caller of a mutation. */
export interface Actor {
  type: 'user' | 'api_key' | 'system';
  id: string | null;
  name: string | null;
  requestId: string | null;
  ip: string | null;
}

/** Who acts, in which org, at what time: what a service needs of the request it serves. */
export interface Caller {
  orgId: string;
  actor: Actor;
  now: Date;
}

export function actorOf(principal: Principal, request: { id: string; ip: string }): Actor {
  return {
    type: principal.kind,
    id: principal.id,
    name: principal.name,
    requestId: request.id,
    ip: request.ip,
  };
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'system', requestId: null, ip: null };

/** Background work (scheduler, demo seed) acting in an org: the system actor, at `now`. */
export function systemCaller(orgId: string, now: Date): Caller {
  return { orgId, actor: SYSTEM_ACTOR, now };
}

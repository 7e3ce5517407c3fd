/**
 * The parts of Okta's Management API objects this connector reads (developer.okta.com/docs/api/
 * openapi/okta-management: User, UserFactor, Group, Application, Policy, PolicyRule, OrgSetting).
 * Everything else an object holds is kept as it came, minus `_links` and user credentials.
 */

export type OktaObject = Record<string, unknown> & { id: string };

export interface OktaUser extends OktaObject {
  status: string;
  created?: string;
  lastLogin?: string | null;
  lastUpdated?: string;
  profile?: { login?: string; email?: string } & Record<string, unknown>;
}

export interface OktaFactor extends OktaObject {
  factorType?: string;
  provider?: string;
  vendorName?: string;
  status?: string;
  created?: string;
  lastUpdated?: string;
}

export interface OktaPolicy extends OktaObject {
  type: string;
  name?: string;
  status?: string;
  priority?: number;
  system?: boolean;
  settings?: Record<string, unknown>;
}

export interface OktaRule extends OktaObject {
  status?: string;
  priority?: number;
  actions?: Record<string, unknown>;
}

export interface OktaOrgSetting {
  id?: string;
  companyName?: string;
  subdomain?: string;
  website?: string;
}

/** A user's factor as stored: what it is and whether it is enrolled, not its profile (phone numbers…). */
export interface StoredFactor {
  id: string;
  factorType: string | null;
  provider: string | null;
  vendorName: string | null;
  status: string | null;
  created: string | null;
  lastUpdated: string | null;
}

/** Statuses of users who can sign in (Okta: RECOVERY, PASSWORD_EXPIRED and LOCKED_OUT are active users). */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
]);

export const DEPROVISIONED = 'DEPROVISIONED';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The objects of a listing that have a string id; Okta always gives one. */
export function oktaObjects<T extends OktaObject>(body: unknown): T[] {
  if (!Array.isArray(body)) throw new TypeError('Okta answered a listing with something other than a list');
  return body.filter((item): item is T => isRecord(item) && typeof item.id === 'string');
}

/** An object without its hypermedia links (`_links` changes with nothing else, and names hosts). */
export function withoutLinks(object: OktaObject): OktaObject {
  const { _links: _, ...rest } = object;
  return { ...rest, id: object.id };
}

/** A user's factors have an enrolled one when any is ACTIVE (PENDING_ACTIVATION is not enrolled). */
export function isMfaEnrolled(factors: unknown): boolean {
  return Array.isArray(factors) && factors.some((f) => isRecord(f) && f.status === 'ACTIVE');
}

export { isRecord };

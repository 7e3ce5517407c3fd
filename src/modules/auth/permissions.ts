/**
 * Permissions are named strings; roles map to them in one table. A route declares the permission
 * it needs (see guard.ts); API keys carry a subset as scopes.
 */
export const PERMISSIONS = [
  'org:read',
  'org:update',
  'users:read',
  'members:manage',
  'teams:read',
  'teams:manage',
  'api_keys:manage',
  'audit:read',
  'events:read',
  'events:publish',
  'catalog:read',
  'connections:read',
  'connections:create',
  'connections:update',
  'connections:delete',
  'sync:trigger',
  'actions:run',
  'runs:read',
  'webhooks:manage',
  'webhooks:rotate',
  'dashboard:read',
  'preview:read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ORG_ROLES = [
  'tenant_admin',
  'compliance_manager',
  'security_engineer',
  'it_admin',
  'ciso',
  'devops_engineer',
  'auditor',
  'vendor_manager',
  'member',
] as const;

export type OrgRole = (typeof ORG_ROLES)[number];

// Every member of an org can see the org, its people and its teams.
const BASE: Permission[] = ['org:read', 'users:read', 'teams:read'];

// The spec's role matrix (integration-engine-api.md, "Role Permissions Matrix").
const VIEW: Permission[] = [
  'catalog:read',
  'connections:read',
  // The event stream is about connections, runs and the org's keys and members: whoever views
  // connections and runs reads it (tenant admins too, through every permission).
  'events:read',
  'runs:read',
  'dashboard:read',
  'preview:read',
];
const OPERATE: Permission[] = [
  ...VIEW,
  'connections:create',
  'connections:update',
  'sync:trigger',
  // Actions act on the provider (post a message, start a scan): operating, as a sync is.
  'actions:run',
  'webhooks:manage',
  // Publishing the org's own events to its webhook endpoints: operating, as managing them is.
  'events:publish',
];
const ADMINISTER: Permission[] = [...OPERATE, 'connections:delete', 'webhooks:rotate'];

export const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  tenant_admin: PERMISSIONS,
  compliance_manager: [...BASE, ...VIEW],
  security_engineer: [...BASE, ...OPERATE],
  devops_engineer: [...BASE, ...OPERATE],
  it_admin: [...BASE, ...ADMINISTER],
  ciso: [...BASE, ...ADMINISTER],
  // Auditors see integration data only through audit evidence, never through integration endpoints.
  auditor: BASE,
  vendor_manager: BASE,
  member: BASE,
};

export function isOrgRole(value: string): value is OrgRole {
  return (ORG_ROLES as readonly string[]).includes(value);
}

export function permissionsOf(role: OrgRole): ReadonlySet<Permission> {
  return new Set(ROLE_PERMISSIONS[role]);
}

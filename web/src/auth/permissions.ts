/**
 * The server's permission names (src/modules/auth/permissions.ts; a test keeps the two lists equal).
 * The app never maps roles to permissions itself: `GET /auth/me` lists the caller's own, so a
 * change to the role matrix on the server changes what the app offers.
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

export function hasPermission(granted: readonly string[] | undefined, permission: Permission): boolean {
  return granted?.includes(permission) ?? false;
}

/** A role's name as people read it: `security_engineer` → "security engineer". */
export function roleLabel(role: string | null | undefined): string {
  return role ? role.replaceAll('_', ' ') : 'no role';
}

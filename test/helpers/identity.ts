import type { OrgRole } from '../../src/modules/auth/permissions.js';
import type { TokenPair } from '../../src/modules/auth/sessions.js';
import { hashPassword } from '../../src/platform/crypto/passwords.js';
import { newId } from '../../src/platform/ids.js';
import type { TestApp } from './app.js';

export interface SeededUser {
  id: string;
  email: string;
  password: string;
  orgId: string;
  role: OrgRole;
  tokens: TokenPair;
  /** `{ authorization: 'Bearer …' }` for inject(). */
  auth: { authorization: string };
}

let counter = 0;
const unique = () => `${process.pid}-${Date.now()}-${counter++}`;
// Hashing is deliberately slow; fixtures share one hash.
const PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export async function seedOrg(
  t: TestApp,
  name = `Org ${unique()}`,
  sessionTimeoutMins = 30,
): Promise<{ id: string }> {
  const id = newId();
  const now = t.ctx.clock.now().toISOString();
  await t.ctx.database.db
    .insertInto('orgs')
    .values({
      id,
      name,
      slug: `org-${unique()}`,
      session_timeout_mins: sessionTimeoutMins,
      settings: {},
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id };
}

/** A user with a role in an org (created when not given), logged in. */
export async function seedUser(
  t: TestApp,
  options: { orgId?: string; role?: OrgRole; email?: string; name?: string; superAdmin?: boolean } = {},
): Promise<SeededUser> {
  const orgId = options.orgId ?? (await seedOrg(t)).id;
  const role = options.role ?? 'tenant_admin';
  const id = newId();
  const email = options.email ?? `user-${unique()}@example.com`;
  const now = t.ctx.clock.now().toISOString();
  passwordHash ??= hashPassword(PASSWORD);
  await t.ctx.database.db
    .insertInto('users')
    .values({
      id,
      email,
      name: options.name ?? `User ${email}`,
      password_hash: await passwordHash,
      is_super_admin: options.superAdmin ?? false,
      is_active: true,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await addMember(t, orgId, id, role);
  const tokens = await t.app.services.sessions.start(id, orgId);
  return {
    id,
    email,
    password: PASSWORD,
    orgId,
    role,
    tokens,
    auth: { authorization: `Bearer ${tokens.access_token}` },
  };
}

export async function addMember(t: TestApp, orgId: string, userId: string, role: OrgRole): Promise<void> {
  const now = t.ctx.clock.now().toISOString();
  await t.ctx.database.db
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: userId, role, created_at: now, updated_at: now })
    .execute();
}

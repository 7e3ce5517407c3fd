import { randomToken } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { normaliseEmail } from '../users/service.js';
import { findAccountByEmail, hasAnyUser, updateUser } from '../users/store.js';
import { registerAccount } from './accounts.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@switchboard.local';

export interface AdminRequest {
  email?: string;
  password?: string;
  name?: string;
  orgName?: string;
}

export interface AdminCreated {
  email: string;
  /** Set when the password was generated: it is shown this once and stored only hashed. */
  generatedPassword?: string;
  promoted: boolean;
}

/**
 * Creates a super admin with a first org (or promotes an existing account). The password comes
 * from the request or is generated for the caller to print once.
 */
export async function createAdmin(db: Db, request: AdminRequest, now: Date): Promise<AdminCreated> {
  const email = normaliseEmail(request.email ?? DEFAULT_ADMIN_EMAIL);
  const existing = await findAccountByEmail(db, email);
  if (existing) {
    await updateUser(db, existing.id, { is_super_admin: true, updated_at: now.toISOString() });
    return { email, promoted: true };
  }
  const generatedPassword = request.password ? undefined : randomToken(18);
  await registerAccount(
    db,
    {
      email,
      name: request.name ?? 'Administrator',
      password: request.password ?? generatedPassword!,
      orgName: request.orgName ?? 'Default',
      superAdmin: true,
    },
    { requestId: null, ip: null },
    now,
  );
  return { email, generatedPassword, promoted: false };
}

/**
 * On first start with an empty database: a super admin and a first org. Several processes may
 * start at once; the one that loses the race on the email finds the admin already there.
 */
export async function bootstrapAdmin(db: Db, request: AdminRequest, now: Date): Promise<AdminCreated | null> {
  if (await hasAnyUser(db)) return null;
  try {
    return await createAdmin(db, request, now);
  } catch (error) {
    if (error instanceof AppError && error.code === 'EMAIL_TAKEN') return null;
    throw error;
  }
}

export function describeAdmin(created: AdminCreated): string {
  if (created.promoted) return `${created.email} is now a super admin.\n`;
  const lines = [`Created super admin ${created.email} with a first organisation.`];
  if (created.generatedPassword) {
    lines.push(`Password (shown once, change it after logging in): ${created.generatedPassword}`);
  }
  return `${lines.join('\n')}\n`;
}

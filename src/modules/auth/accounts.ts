import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError } from '../../platform/errors.js';
import { recordAudit } from '../audit/service.js';
import { createOrgWithOwner } from '../orgs/service.js';
import type { OrgRow } from '../orgs/store.js';
import { createUser, type UserRow } from '../users/service.js';
import type { Actor } from './principal.js';

/** A new user and a new org they administer, in one transaction. */
export async function registerAccount(
  db: Db,
  input: { email: string; name: string; password: string; orgName: string; superAdmin?: boolean },
  actor: Omit<Actor, 'type' | 'id' | 'name'>,
  now: Date,
): Promise<{ user: UserRow; org: OrgRow }> {
  return uniqueOr(
    () => new AppError('EMAIL_TAKEN'),
    () =>
      db.transaction().execute(async (tx) => {
        const user = await createUser(tx, input, now);
        const userActor: Actor = { ...actor, type: 'user', id: user.id, name: user.name };
        const org = await createOrgWithOwner(tx, { name: input.orgName, ownerId: user.id }, userActor, now);
        await recordAudit(
          tx,
          userActor,
          { orgId: org.id, action: 'user.registered', targetType: 'user', targetId: user.id },
          now,
        );
        return { user, org };
      }),
  );
}

import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { recordAudit } from '../audit/service.js';
import type { Actor } from '../auth/principal.js';
import type { PrincipalCache } from '../auth/principal-cache.js';
import type { Sessions } from '../auth/sessions.js';

/**
 * Deactivates or reactivates an account, in every org. Deactivation ends the user's sessions (a
 * reactivated user logs in again), and either way the PrincipalCache is told once committed, so
 * the user's access tokens and API keys are refused or allowed from the next request on.
 */
export async function setUserActive(
  deps: { db: Db; sessions: Sessions; principals: PrincipalCache },
  userId: string,
  active: boolean,
  actor: Actor,
  now: Date,
): Promise<{ id: string; is_active: boolean; updated_at: string }> {
  const user = await deps.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('users')
      .set({ is_active: active, updated_at: now.toISOString() })
      .where('id', '=', userId)
      .returning(['id', 'is_active', 'updated_at'])
      .executeTakeFirst();
    if (!updated) throw new AppError('USER_NOT_FOUND');
    if (!active) await deps.sessions.endAll(tx, { userId }, 'deactivated');
    await recordAudit(
      tx,
      actor,
      {
        orgId: null,
        action: active ? 'user.reactivated' : 'user.deactivated',
        targetType: 'user',
        targetId: userId,
        changedFields: ['is_active'],
      },
      now,
    );
    return updated;
  });
  await deps.principals.invalidate();
  return user;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { seedUser } from '../helpers/identity.js';
import { appBefore, connectionBefore, runBefore } from '../helpers/migrate-before.js';

const MIGRATION = '0018_connection_last_full_sync';
const HOUR_MS = 3_600_000;

describe(`migration ${MIGRATION}`, () => {
  let t: TestApp;
  const ids: Record<'synced' | 'never', string> = { synced: '', never: '' };
  let completedFull = 0;

  /** A run of connection `id` that ended `hoursAgo` hours ago, as written before the migration; when. */
  async function endedRun(id: string, fullSync: boolean, status: string, hoursAgo: number) {
    const ended = new Date(t.ctx.clock.now().getTime() - hoursAgo * HOUR_MS);
    await runBefore(t, id, { fullSync, status, ended });
    return ended.getTime();
  }

  const lastFullSync = async (id: string) => {
    const row = await t.ctx.database.db
      .selectFrom('integration_connections')
      .select('last_full_sync_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.last_full_sync_at === null ? null : new Date(row.last_full_sync_at).getTime();
  };

  beforeAll(async () => {
    t = await appBefore(MIGRATION);
    const { orgId } = await seedUser(t, { role: 'it_admin' });
    ids.synced = await connectionBefore(t, orgId, 'scripted', 'Synced');
    ids.never = await connectionBefore(t, orgId, 'scripted', 'Never full');
    // Only the completed full run counts: the later full one failed, the latest was incremental.
    completedFull = await endedRun(ids.synced, true, 'completed', 30);
    await endedRun(ids.synced, true, 'failed', 20);
    await endedRun(ids.synced, false, 'completed', 10);
    await endedRun(ids.never, true, 'partial', 5);
    await endedRun(ids.never, false, 'completed', 1);
    await t.ctx.database.migrate();
  });
  afterAll(() => t.close());

  it("sets each connection's last completed full sync, and none where there was none", async () => {
    expect(await lastFullSync(ids.synced)).toBe(completedFull);
    expect(await lastFullSync(ids.never)).toBeNull();
  });
});

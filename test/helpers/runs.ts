import type { Trigger } from '../../src/modules/sync/model.js';
import { insertRun, newRunRow } from '../../src/modules/sync/storage/runs.js';
import type { TestApp } from './app.js';

/**
 * A pending run of the connection queued at `at`, by the system, written by the sync module's own
 * storage functions as the engine queues one; its id. Tests then move it on to the state they need.
 */
export async function queuedRun(
  t: TestApp,
  connectionId: string,
  run: { trigger: Trigger; fullSync: boolean; at: Date },
): Promise<string> {
  const db = t.ctx.database.db;
  const connection = await db
    .selectFrom('integration_connections')
    .select(['id', 'org_id', 'config'])
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  const actor = { type: 'system', id: null, name: null, requestId: null, ip: null } as const;
  const row = newRunRow(
    connection,
    { trigger: run.trigger, fullSync: run.fullSync, actor },
    t.ctx.config.sync,
    run.at,
  );
  const id = await insertRun(db, row);
  if (!id) throw new Error('the connection has an active run');
  return id;
}

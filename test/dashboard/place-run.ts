import { expect } from 'vitest';
import { emptyLogCounts, emptyStats, type RunStatus } from '../../src/modules/sync/model.js';
import { claimRun, endRunRow, insertRun, newRunRow } from '../../src/modules/sync/storage/runs.js';
import type { TestApp } from '../helpers/app.js';

export interface PlacedRun {
  status: Exclude<RunStatus, 'pending' | 'running'>;
  started: string;
  ended: string;
  items: number;
  error?: string;
}

/**
 * A run of the connection that started and ended at the given times, written by the sync module's
 * own storage functions as the engine writes one (the engine runs only at the clock's now).
 */
export async function placeRun(t: TestApp, connectionId: string, run: PlacedRun): Promise<string> {
  const db = t.ctx.database.db;
  const connection = await db
    .selectFrom('integration_connections')
    .select(['id', 'org_id', 'config'])
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  const started = new Date(run.started);
  const row = newRunRow(
    connection,
    {
      trigger: 'scheduled',
      fullSync: false,
      actor: { type: 'system', id: null, name: null, requestId: null, ip: null },
    },
    t.ctx.config.sync,
    started,
  );
  const id = await insertRun(db, row);
  if (!id) throw new Error('the connection has an active run');
  await claimRun(db, id, 'placer', started, 60_000);
  const ended = await endRunRow(
    db,
    id,
    {
      status: run.status,
      stats: { ...emptyStats(), items_synced: run.items },
      logCounts: emptyLogCounts(),
      errorMessage: run.error ?? null,
      errorClass: run.error ? 'permanent' : null,
      errorDetails: null,
      durationMs: Date.parse(run.ended) - Date.parse(run.started),
    },
    { owner: 'placer' },
    new Date(run.ended),
  );
  expect(ended).toBeDefined();
  return id;
}

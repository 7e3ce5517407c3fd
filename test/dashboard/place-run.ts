import { expect } from 'vitest';
import { emptyLogCounts, emptyStats, type RunStatus } from '../../src/modules/sync/model.js';
import { claimRun, endRunRow } from '../../src/modules/sync/storage/runs.js';
import type { TestApp } from '../helpers/app.js';
import { queuedRun } from '../helpers/runs.js';

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
  const started = new Date(run.started);
  const id = await queuedRun(t, connectionId, { trigger: 'scheduled', fullSync: false, at: started });
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

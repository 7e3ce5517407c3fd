import { expect, vi } from 'vitest';
import { demoConnector } from '../../src/connectors/demo/index.js';
import type { RunStats } from '../../src/modules/sync/model.js';
import { PagedConnector } from '../fakes/paged-connector.js';
import { ScriptedConnector } from '../fakes/scripted-connector.js';
import type { TestApp } from './app.js';
import type { SeededUser } from './identity.js';

/** A connector whose batches a test scripts (`scripted.batches = [...]`). */
export const scripted = new ScriptedConnector();

/** The connectors sync tests offer: the demo provider, the paged fake over HTTP, the scripted one. */
export const syncConnectors = [demoConnector, new PagedConnector(), scripted];

/**
 * The settings of apps that sync tests drive: access tokens that outlive the fake clock's jumps of
 * hours, and no rate limits (the harness polls runs through the API far faster than 200/min).
 */
export const SYNC_TEST_ENV = {
  SWITCHBOARD_ACCESS_TOKEN_TTL: '86400',
  SWITCHBOARD_RATE_LIMITS: 'false',
  // Provider fakes listen on loopback.
  SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
};

let counter = 0;

export interface RunView {
  id: string;
  status: string;
  trigger: string;
  retry_count: number;
  stats: RunStats;
  error_message: string | null;
  [field: string]: unknown;
}

/** Calls to the API as one user, and connections of the test connectors in a given state. */
export function syncHarness(t: TestApp, as: SeededUser) {
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: as.auth, ...(payload ? { payload } : {}) });

  async function definitionId(slug: string): Promise<string> {
    const row = await t.ctx.database.db
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A connection created (not yet tested): its id. */
  async function create(
    slug: string,
    config: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const created = await call('POST', '/integration-connections', {
      definition_id: await definitionId(slug),
      name: `Sync ${process.pid}-${++counter}`,
      config,
      ...extra,
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json().data.id as string;
  }

  /** A connection tested and enabled: `connected`, its first sync scheduled. */
  async function connected(
    slug: string,
    config: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const id = await create(slug, config, extra);
    const tested = await call('POST', `/integration-connections/${id}/test`);
    expect(tested.json().data.test_result, tested.body).toBe('success');
    const enabled = await call('POST', `/integration-connections/${id}/enable`);
    expect(enabled.statusCode, enabled.body).toBe(200);
    return id;
  }

  async function trigger(id: string, body: object = {}): Promise<string> {
    const res = await call('POST', `/integration-connections/${id}/sync`, body);
    expect(res.statusCode, res.body).toBe(202);
    return res.json().data.run_id as string;
  }

  async function run(id: string, runId: string): Promise<RunView> {
    const res = await call('GET', `/integration-connections/${id}/runs/${runId}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  }

  /** Waits until the run reads one of `statuses` (the executor works in the background). */
  async function settled(
    id: string,
    runId: string,
    statuses = ['completed', 'partial', 'failed', 'cancelled'],
  ) {
    return vi.waitFor(
      async () => {
        const view = await run(id, runId);
        if (!statuses.includes(view.status)) throw new Error(`run is ${view.status}`);
        return view;
      },
      { timeout: 15_000, interval: 10 },
    );
  }

  const connection = (id: string) =>
    t.ctx.database.db
      .selectFrom('integration_connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  const records = (id: string) =>
    t.ctx.database.db
      .selectFrom('sync_records')
      .selectAll()
      .where('connection_id', '=', id)
      .orderBy('external_id')
      .execute();

  /** How many records of each entity the connection holds, deleted ones left out. */
  async function entityCounts(id: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const record of await records(id)) {
      if (record.deleted_at === null) counts[record.entity] = (counts[record.entity] ?? 0) + 1;
    }
    return counts;
  }

  return { call, create, connected, trigger, run, settled, connection, records, entityCounts, definitionId };
}

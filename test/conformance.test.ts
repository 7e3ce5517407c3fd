import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeRun } from './dashboard/place-run.js';
import { type TestApp, testApp } from './helpers/app.js';
import { FakeClock } from './helpers/clock.js';
import { sqliteDatabase, tempDir } from './helpers/databases.js';
import { seedUser } from './helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from './helpers/sync.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('the public URL follows PORT when SWITCHBOARD_PUBLIC_URL is unset', () => {
  it('builds invitation accept URLs on that port', async () => {
    const t = await testApp({ env: { PORT: '9123' } });
    try {
      const admin = await seedUser(t);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${admin.orgId}/invitations`,
        headers: admin.auth,
        payload: { email: 'port.follower@example.com', role: 'member' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const { token, accept_url } = res.json().data;
      expect(accept_url).toBe(`http://localhost:9123/api/v1/invitations/${token}/accept`);
    } finally {
      await t.close();
    }
  });
});

describe('what a start creates in the data directory', () => {
  const root = tempDir();
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is readable by its owner only: the directory, the database with its WAL and SHM, the keys', async () => {
    const dataDir = path.join(root, 'data');
    // The embedded mode: SQLite in a data directory Switchboard creates, keys generated into it.
    const t = await testApp({
      database: sqliteDatabase(dataDir),
      config: (c) => ({
        ...c,
        dataDir,
        auth: { ...c.auth, jwtSecret: undefined },
        encryption: { ...c.encryption, key: undefined },
      }),
    });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      const files = [
        'switchboard.db',
        'switchboard.db-wal',
        'switchboard.db-shm',
        'jwt-secret',
        'encryption-key',
      ];
      for (const file of files) expect([file, modeOf(path.join(dataDir, file))]).toEqual([file, 0o600]);
    } finally {
      await t.close();
    }
  });
});

/**
 * The example responses of integration-engine-api.md §6, verbatim: every field they show, with its
 * JSON type, must be in ours and ours must have no other (category_coverage is keyed by category).
 */
const SPEC_DASHBOARD_EXAMPLE = {
  data: {
    summary: {
      total_connections: 3,
      connected: 3,
      healthy: 2,
      degraded: 0,
      unhealthy: 1,
      disabled: 0,
      total_runs_24h: 12,
      successful_runs_24h: 11,
      failed_runs_24h: 1,
      success_rate_24h: 91.7,
      total_items_synced_24h: 523,
      total_webhooks_received_24h: 47,
    },
    connections: [
      {
        id: 'uuid',
        name: 'Okta SSO (Production)',
        integration_name: 'Okta',
        integration_icon_url: '/icons/integrations/okta.svg',
        category: 'identity_access',
        status: 'connected',
        health: 'healthy',
        last_sync_at: '2026-02-21T12:00:00Z',
        last_sync_status: 'completed',
        next_sync_at: '2026-02-21T18:00:00Z',
        success_rate_7d: 97.6,
        items_synced_24h: 312,
      },
      {
        id: 'uuid',
        name: 'GitHub (Engineering)',
        integration_name: 'GitHub',
        integration_icon_url: '/icons/integrations/github.svg',
        category: 'code_devops',
        status: 'connected',
        health: 'healthy',
        last_sync_at: '2026-02-21T14:00:00Z',
        last_sync_status: 'completed',
        next_sync_at: '2026-02-21T20:00:00Z',
        success_rate_7d: 100.0,
        items_synced_24h: 156,
      },
      {
        id: 'uuid',
        name: 'Slack (Compliance)',
        integration_name: 'Slack',
        integration_icon_url: '/icons/integrations/slack.svg',
        category: 'communication',
        status: 'connected',
        health: 'unhealthy',
        last_sync_at: null,
        last_sync_status: null,
        next_sync_at: null,
        success_rate_7d: 0.0,
        items_synced_24h: 0,
      },
    ],
    recent_failures: [
      {
        run_id: 'uuid',
        connection_name: 'Slack (Compliance)',
        integration_name: 'Slack',
        status: 'failed',
        error_message: 'Slack API rate limit exceeded',
        failed_at: '2026-02-21T13:00:00Z',
      },
    ],
    data_freshness: {
      fresh: 2,
      stale: 1,
      stale_connections: [
        {
          connection_id: 'uuid',
          connection_name: 'Slack (Compliance)',
          integration_name: 'Slack',
          last_sync_at: null,
          expected_interval_mins: 360,
        },
      ],
    },
    category_coverage: {
      cloud_infrastructure: { available: 1, connected: 0 },
      identity_access: { available: 1, connected: 1 },
      code_devops: { available: 1, connected: 1 },
      communication: { available: 1, connected: 1 },
      custom: { available: 1, connected: 0 },
    },
  },
};

const SPEC_SYNC_ACTIVITY_EXAMPLE = {
  data: {
    timeline: [
      {
        hour: '2026-02-21T15:00:00Z',
        runs_started: 1,
        runs_completed: 1,
        runs_failed: 0,
        items_synced: 156,
        webhooks_received: 5,
      },
      {
        hour: '2026-02-21T14:00:00Z',
        runs_started: 2,
        runs_completed: 1,
        runs_failed: 1,
        items_synced: 148,
        webhooks_received: 8,
      },
    ],
    totals: {
      runs_started: 12,
      runs_completed: 11,
      runs_failed: 1,
      items_synced: 523,
      webhooks_received: 47,
    },
  },
};

/** Objects keyed by data (a category), not by field name: their values are compared under `*`. */
const KEYED_OBJECTS = new Set(['.data.category_coverage']);
/** Fields the spec's examples show only as numbers that we document as null where no run counts. */
const DOCUMENTED_NULLABLE = new Set([
  '.data.summary.success_rate_24h',
  '.data.connections[].success_rate_7d',
]);

/** Every field path of a JSON value (array items under `[]`) with the JSON types found there. */
function fieldTypes(value: unknown, path = '', into = new Map<string, Set<string>>()) {
  const kind =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'number' && Number.isInteger(value)
          ? 'integer'
          : typeof value;
  into.set(path, (into.get(path) ?? new Set()).add(kind));
  if (Array.isArray(value)) for (const item of value) fieldTypes(item, `${path}[]`, into);
  else if (kind === 'object') {
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      fieldTypes(field, `${path}.${KEYED_OBJECTS.has(path) ? '*' : key}`, into);
    }
  }
  return into;
}

/** Fails naming each field ours lacks or adds, or answers with a type the spec does not show. */
function expectSpecShape(ours: unknown, spec: unknown) {
  const want = fieldTypes(spec);
  const got = fieldTypes(ours);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  const wrong: string[] = [];
  for (const [path, kinds] of got) {
    const allowed = new Set(want.get(path));
    if (allowed.has('number')) allowed.add('integer');
    if (allowed.has('integer')) allowed.add('number');
    if (DOCUMENTED_NULLABLE.has(path)) allowed.add('null');
    for (const kind of kinds) if (!allowed.has(kind)) wrong.push(`${path}: ${kind}`);
  }
  expect(wrong).toEqual([]);
}

describe('the dashboard answers every field of the spec’s examples (#23, #24)', () => {
  const clock = new FakeClock('2026-11-22T12:30:00.000Z');
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ worker: true, queueBackend: 'in-process', clock, env: SYNC_TEST_ENV });
  });
  afterAll(() => t.close());

  it('with connections synced, failed, stale and never synced', async () => {
    const user = await seedUser(t, { role: 'it_admin' });
    const h = syncHarness(t, user);
    const config = { api_token: 'x', users: 2 };
    const synced = await h.connected('demo', config, { name: 'Synced' });
    await h.settled(synced, await h.trigger(synced));
    const failing = await h.connected('demo', config, { name: 'Failing' });
    await placeRun(t, failing, {
      status: 'failed',
      started: '2026-11-22T11:00:00.000Z',
      ended: '2026-11-22T11:05:00.000Z',
      items: 0,
      error: 'Demo API rate limit exceeded',
    });
    await h.create('demo', config, { name: 'Never synced' });

    const dashboard = await h.call('GET', '/integrations/dashboard');
    expect(dashboard.statusCode, dashboard.body).toBe(200);
    const body = dashboard.json();
    // Each array holds an item, so that its items' fields are compared too.
    expect(body.data.recent_failures).toHaveLength(1);
    expect(body.data.data_freshness.stale_connections).toHaveLength(1);
    expectSpecShape(body, SPEC_DASHBOARD_EXAMPLE);

    const activity = await h.call('GET', '/integrations/dashboard/sync-activity');
    expect(activity.statusCode, activity.body).toBe(200);
    expectSpecShape(activity.json(), SPEC_SYNC_ACTIVITY_EXAMPLE);
  });
});

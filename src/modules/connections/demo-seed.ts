import type { DemoConfig } from '../../connectors/demo/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { AdminCreated } from '../auth/bootstrap.js';
import { systemCaller } from '../auth/principal.js';
import { builtInEntryId } from '../catalog/service.js';
import { firstOrgOf } from '../members/store.js';
import type { SyncService } from '../sync/api/service.js';
import { findAccountByEmail } from '../users/store.js';
import type { ConnectionService } from './service.js';

interface DemoConnection {
  name: string;
  description: string;
  config: DemoConfig;
}

// The token is no secret (the demo provider accepts any value); it is sealed like any other.
const DEMO_CONNECTIONS: readonly DemoConnection[] = [
  {
    name: 'Demo Directory',
    description: 'Generated users and groups of a small company.',
    config: { api_token: 'demo-directory-token', seed: 1, users: 50, groups: 6, repositories: 0 },
  },
  {
    name: 'Demo Code',
    description: 'Generated code repositories and their maintainers.',
    config: { api_token: 'demo-code-token', seed: 2, users: 20, groups: 3, repositories: 40 },
  },
  {
    name: 'Demo Revoked Token',
    description: 'A provider that rejects its token, to show what a failing connection looks like.',
    config: { api_token: 'demo-revoked-token', seed: 3, fail_auth: true },
  },
];

export interface DemoSeeded {
  orgId: string;
  connections: { id: string; name: string; status: string }[];
}

/** The admin's first org: the one bootstrapAdmin created with the account. */
async function firstOrgOfAdmin(db: Db, admin: AdminCreated): Promise<string> {
  const account = await findAccountByEmail(db, admin.email);
  const orgId = account && (await firstOrgOf(db, account.id));
  if (orgId === undefined) throw new Error(`${admin.email} has no organisation to seed`);
  return orgId;
}

/**
 * Adds the demo connections to the first org of an admin bootstrapAdmin has just created, so it
 * runs once, on an empty database. Each goes through the usual create → test → enable lifecycle
 * (sealed secrets, audit entries by the system actor); a failing test leaves its connection in error.
 * Enabled ones get a first full sync at once, so the run history and records are there to look at.
 */
export async function seedDemoConnections(
  db: Db,
  connections: ConnectionService,
  sync: SyncService,
  admin: AdminCreated,
  clock: Clock,
): Promise<DemoSeeded> {
  const orgId = await firstOrgOfAdmin(db, admin);
  const definitionId = await builtInEntryId(db, 'demo');
  if (definitionId === undefined) throw new Error('the demo connector has no catalog entry');
  const seeded: DemoSeeded['connections'] = [];
  for (const demo of DEMO_CONNECTIONS) {
    const { id } = await connections.create(systemCaller(orgId, clock.now()), {
      definition_id: definitionId,
      tags: ['demo'],
      ...demo,
    });
    const tested = await connections.test(systemCaller(orgId, clock.now()), id);
    const status =
      tested.test_result === 'success'
        ? (await connections.enable(systemCaller(orgId, clock.now()), id)).status
        : tested.status;
    if (status === 'connected') await sync.trigger(systemCaller(orgId, clock.now()), id, true);
    seeded.push({ id, name: demo.name, status });
  }
  return { orgId, connections: seeded };
}

/** What a new user needs to log in and look around, printed once after the demo seed. */
export function describeDemo(url: string, admin: AdminCreated, seeded: DemoSeeded): string {
  const password = admin.generatedPassword
    ? 'the password printed above'
    : 'the password in SWITCHBOARD_ADMIN_PASSWORD';
  const base = url.replace(/\/+$/, '');
  return [
    '',
    'Switchboard demo is ready.',
    `  API:   ${base}/api/v1`,
    `  Docs:  ${base}/docs`,
    `  Login: ${admin.email} with ${password}`,
    `  Demo connections: ${seeded.connections.map((c) => `${c.name} (${c.status})`).join(', ')}`,
    '',
    `  curl -s ${base}/api/v1/auth/login -H 'content-type: application/json' \\`,
    `    -d '{"email":"${admin.email}","password":"<password>"}'`,
    '',
  ].join('\n');
}

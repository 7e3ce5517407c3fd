import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ORG_ROLES,
  type OrgRole,
  type Permission,
  ROLE_PERMISSIONS,
} from '../../src/modules/auth/permissions.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

// The spec's matrix (integration-engine-api.md), action by action, and the permissions that carry it.
const SPEC_MATRIX: [string, Permission[], Record<string, boolean>][] = [
  [
    'Browse integration catalog',
    ['catalog:read'],
    {
      compliance_manager: true,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'Create connections',
    ['connections:create'],
    {
      compliance_manager: false,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'Update connections',
    ['connections:update'],
    {
      compliance_manager: false,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'Delete connections',
    ['connections:delete'],
    {
      compliance_manager: false,
      security_engineer: false,
      it_admin: true,
      ciso: true,
      devops_engineer: false,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'View connections',
    ['connections:read'],
    {
      compliance_manager: true,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'Trigger sync / health check',
    ['sync:trigger'],
    {
      compliance_manager: false,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    // Not a row of the spec's matrix: actions operate on the provider, as a sync does.
    'Run connector actions',
    ['actions:run'],
    {
      compliance_manager: false,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'View run history / logs',
    ['runs:read'],
    {
      compliance_manager: true,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'Manage webhooks',
    ['webhooks:manage'],
    {
      compliance_manager: false,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'Rotate webhook secrets',
    ['webhooks:rotate'],
    {
      compliance_manager: false,
      security_engineer: false,
      it_admin: true,
      ciso: true,
      devops_engineer: false,
      auditor: false,
      vendor_manager: false,
    },
  ],
  [
    'View dashboard',
    ['dashboard:read'],
    {
      compliance_manager: true,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
  // Auditors see integration data only as audit evidence, never through integration endpoints.
  [
    'Starter integration data (preview)',
    ['preview:read'],
    {
      compliance_manager: true,
      security_engineer: true,
      it_admin: true,
      ciso: true,
      devops_engineer: true,
      auditor: false,
      vendor_manager: false,
    },
  ],
];

describe('role matrix', () => {
  it.each(SPEC_MATRIX)('%s: exactly the spec’s roles', (_action, permissions, expected) => {
    for (const [role, allowed] of Object.entries(expected)) {
      for (const p of permissions)
        expect([role, ROLE_PERMISSIONS[role as OrgRole].includes(p)]).toEqual([role, allowed]);
    }
  });

  it('gives tenant_admin every permission and a plain member only the basics', () => {
    expect(new Set(ROLE_PERMISSIONS.tenant_admin).size).toBeGreaterThan(15);
    expect([...ROLE_PERMISSIONS.member].sort()).toEqual(['org:read', 'teams:read', 'users:read']);
  });
});

// Identity routes × roles: who may call what (by the permission each route declares).
const ROUTES: {
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  url: (u: SeededUser) => string;
  payload?: object;
  allowed: OrgRole[];
}[] = [
  { name: 'list users', method: 'GET', url: () => '/api/v1/users', allowed: [...ORG_ROLES] },
  {
    name: 'list members',
    method: 'GET',
    url: (u) => `/api/v1/orgs/${u.orgId}/members`,
    allowed: [...ORG_ROLES],
  },
  { name: 'read org', method: 'GET', url: (u) => `/api/v1/orgs/${u.orgId}`, allowed: [...ORG_ROLES] },
  {
    name: 'update org',
    method: 'PATCH',
    url: (u) => `/api/v1/orgs/${u.orgId}`,
    payload: { name: 'Renamed' },
    allowed: ['tenant_admin'],
  },
  {
    name: 'invite member',
    method: 'POST',
    url: (u) => `/api/v1/orgs/${u.orgId}/invitations`,
    payload: { email: 'new.person@example.com', role: 'member' },
    allowed: ['tenant_admin'],
  },
  { name: 'list teams', method: 'GET', url: () => '/api/v1/teams', allowed: [...ORG_ROLES] },
  {
    name: 'create team',
    method: 'POST',
    url: () => '/api/v1/teams',
    payload: { name: 'Team' },
    allowed: ['tenant_admin'],
  },
  { name: 'list API keys', method: 'GET', url: () => '/api/v1/api-keys', allowed: ['tenant_admin'] },
  { name: 'read audit log', method: 'GET', url: () => '/api/v1/audit-logs', allowed: ['tenant_admin'] },
];

describe('routes × roles', () => {
  let t: TestApp;
  const users = new Map<OrgRole, SeededUser>();
  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    // Each role in an org of its own, so that one test's writes never change another's answer.
    for (const role of ORG_ROLES) users.set(role, await seedUser(t, { role }));
  });
  afterAll(() => t.close());

  const cases = ROUTES.flatMap((route) => ORG_ROLES.map((role) => [route.name, role, route] as const));
  it.each(cases)('%s as %s', async (_name, role, route) => {
    const user = users.get(role)!;
    const res = await t.app.inject({
      method: route.method,
      url: route.url(user),
      headers: user.auth,
      payload: route.payload,
    });
    if (route.allowed.includes(role)) {
      expect(res.statusCode, res.body).toBeLessThan(300);
    } else {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
  });
});

describe('every protected route', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, { security?: unknown[] }>> };
  beforeAll(async () => {
    t = await testApp();
    doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('answers 401 without credentials and with a bad token, as its OpenAPI security says', async () => {
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const required = op.security?.length === 1;
        if (!path.startsWith('/api/v1/') || !required) continue;
        const url = path.replace(/\{[^}]+\}/g, '01890000-0000-7000-8000-000000000000');
        for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
          const res = await t.app.inject({
            method: method.toUpperCase() as 'GET',
            url,
            headers,
            payload: method === 'get' || method === 'delete' ? undefined : {},
          });
          expect([`${method} ${path}`, res.statusCode]).toEqual([`${method} ${path}`, 401]);
        }
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThan(20);
  });

  it('declares public only what must be', async () => {
    const open = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => path.startsWith('/api/v1/') && !op.security)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(open.sort()).toEqual([
      'GET /api/v1/integrations/oauth/callback',
      // The webhook receiver: a delivery's signature is its credential.
      'GET /api/v1/webhooks/receive/{id}',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/refresh',
      'POST /api/v1/auth/register',
      'POST /api/v1/webhooks/receive/{id}',
    ]);
  });
});

describe('tenancy', () => {
  let t: TestApp;
  let a: SeededUser;
  let b: SeededUser;
  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    a = await seedUser(t);
    b = await seedUser(t);
  });
  afterAll(() => t.close());

  it('answers 404 for every org-B object a user of org A names by id', async () => {
    const team = await t.app.inject({
      method: 'POST',
      url: '/api/v1/teams',
      headers: b.auth,
      payload: { name: 'B team' },
    });
    const key = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: b.auth,
      payload: { name: 'B key', scopes: ['users:read'] },
    });
    expect(team.statusCode).toBe(201);
    expect(key.statusCode).toBe(201);
    const teamId = team.json().data.id;
    const keyId = key.json().data.id;
    const probes: [string, string, object?][] = [
      ['GET', `/api/v1/orgs/${b.orgId}`],
      ['PATCH', `/api/v1/orgs/${b.orgId}`, { name: 'hijack' }],
      ['GET', `/api/v1/orgs/${b.orgId}/members`],
      ['PATCH', `/api/v1/orgs/${b.orgId}/members/${b.id}`, { role: 'member' }],
      ['DELETE', `/api/v1/orgs/${b.orgId}/members/${b.id}`],
      ['POST', `/api/v1/orgs/${b.orgId}/invitations`, { email: 'x@example.com', role: 'member' }],
      ['GET', `/api/v1/users/${b.id}`],
      ['GET', `/api/v1/teams/${teamId}`],
      ['PATCH', `/api/v1/teams/${teamId}`, { name: 'hijack' }],
      ['DELETE', `/api/v1/teams/${teamId}`],
      ['POST', `/api/v1/teams/${teamId}/members/${a.id}`],
      ['DELETE', `/api/v1/api-keys/${keyId}`],
      ['POST', `/api/v1/api-keys/${keyId}/rotate`],
    ];
    for (const [method, url, payload] of probes) {
      const res = await t.app.inject({ method: method as 'GET', url, headers: a.auth, payload });
      expect([method, url, res.statusCode]).toEqual([method, url, 404]);
    }
    // Nothing of B's changed.
    const still = await t.app.inject({ method: 'GET', url: `/api/v1/teams/${teamId}`, headers: b.auth });
    expect(still.json().data.name).toBe('B team');
    const member = await t.ctx.database.db
      .selectFrom('memberships')
      .select('role')
      .where('user_id', '=', b.id)
      .executeTakeFirstOrThrow();
    expect(member.role).toBe('tenant_admin');
  });

  it('never lists another org’s users, teams or audit entries', async () => {
    for (const url of [
      '/api/v1/users',
      '/api/v1/teams',
      '/api/v1/audit-logs',
      `/api/v1/orgs/${a.orgId}/members`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: a.auth });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(b.id);
      expect(res.body).not.toContain(b.orgId);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';

type Method = 'POST' | 'PUT' | 'PATCH';

/** JSON text of `levels` objects nested in one another, `{"a":{"a":…1…}}`: `levels` deep. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Where `deepBody` puts the nesting. */
const HERE = '<nested>';

/** JSON text of `body` with `levels` nested objects in place of the string HERE. */
const deepBody = (body: object, levels: number) => JSON.stringify(body).replace(`"${HERE}"`, nested(levels));

const DEEP = 5000;
const LIMIT = 32;

describe('deeply nested JSON bodies', () => {
  let t: TestApp;
  let root: SeededUser;
  let admin: SeededUser;
  let integrationId: string;
  let connectionId: string;

  const send = (method: Method, url: string, as: SeededUser, payload: string | object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...as.auth, 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const db = () => t.ctx.database.db;

  /** Everything these routes could write, to show a refused body wrote nothing. */
  const stored = async () => ({
    integrations: await db().selectFrom('integration_definitions').selectAll().orderBy('id').execute(),
    connections: await db().selectFrom('integration_connections').selectAll().orderBy('id').execute(),
    org: await db().selectFrom('orgs').selectAll().where('id', '=', admin.orgId).executeTakeFirstOrThrow(),
    audit: await db().selectFrom('audit_log').select('id').orderBy('id').execute(),
  });

  const tooDeep = {
    status: 400,
    body: {
      error: {
        code: 'VALIDATION_ERROR',
        message: `Invalid body: JSON nests deeper than ${LIMIT} levels`,
        details: {
          fields: [{ field: 'body', location: 'body', message: `nests deeper than ${LIMIT} levels` }],
        },
        request_id: expect.any(String),
      },
    },
  };
  const expectTooDeep = (res: { statusCode: number; json(): unknown }) =>
    expect({ status: res.statusCode, body: res.json() }).toEqual(tooDeep);

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    root = await seedUser(t, { superAdmin: true });
    admin = await seedUser(t);
    const entry = await send('POST', '/admin/integrations', root, {
      connector: 'demo',
      slug: 'deep-json',
      name: 'Deep JSON',
      short_description: 'Accepts any object under extra',
      config_schema: {
        type: 'object',
        required: ['api_token'],
        properties: {
          api_token: { type: 'string', format: 'password' },
          extra: { type: 'object' },
          code: { type: 'string', pattern: '^(a+)+$' },
        },
      },
    });
    expect(entry.statusCode, entry.body).toBe(201);
    integrationId = entry.json().data.id;
    const connection = await send('POST', '/integration-connections', admin, {
      definition_id: integrationId,
      name: 'Deep one',
      config: { api_token: 'token' },
    });
    expect(connection.statusCode, connection.body).toBe(201);
    connectionId = connection.json().data.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`refuses a ${DEEP}-deep body on every route that stores JSON, and stores nothing`, async () => {
    const before = await stored();
    const config = { api_token: 'token', extra: HERE };
    const cases: [Method, string, SeededUser, string][] = [
      [
        'POST',
        '/integration-connections',
        admin,
        deepBody({ definition_id: integrationId, name: 'Too deep', config }, DEEP),
      ],
      ['PUT', `/integration-connections/${connectionId}`, admin, deepBody({ config }, DEEP)],
      ['POST', `/admin/integrations/${integrationId}/test`, root, deepBody({ config }, DEEP)],
      ['PATCH', `/orgs/${admin.orgId}`, admin, deepBody({ settings: { extra: HERE } }, DEEP)],
      [
        'POST',
        '/admin/integrations',
        root,
        deepBody(
          {
            connector: 'demo',
            slug: 'too-deep',
            name: 'Too deep',
            short_description: 'x',
            config_schema: { type: 'object', properties: { extra: HERE } },
          },
          DEEP,
        ),
      ],
    ];
    const answers = [];
    for (const [method, url, as, body] of cases) {
      expect(body.length).toBeGreaterThan(25_000);
      const res = await send(method, url, as, body);
      answers.push({ route: `${method} ${url}`, status: res.statusCode, body: res.json() });
    }
    expect(answers).toEqual(cases.map(([method, url]) => ({ route: `${method} ${url}`, ...tooDeep })));
    expect(await stored()).toEqual(before);
  });

  it(`accepts ${LIMIT} levels and refuses ${LIMIT + 1}`, async () => {
    // The body is one level and `settings` holds the other 31.
    const ok = await send('PATCH', `/orgs/${admin.orgId}`, admin, deepBody({ settings: HERE }, LIMIT - 1));
    expect(ok.statusCode, ok.body).toBe(200);
    const org = await db()
      .selectFrom('orgs')
      .select('settings')
      .where('id', '=', admin.orgId)
      .executeTakeFirstOrThrow();
    expect(org.settings).toEqual(JSON.parse(nested(LIMIT - 1)));

    const before = await stored();
    expectTooDeep(await send('PATCH', `/orgs/${admin.orgId}`, admin, deepBody({ settings: HERE }, LIMIT)));
    expect(await stored()).toEqual(before);
  });

  it(`stores a connection config ${LIMIT} levels deep`, async () => {
    // body › config › extra › 29 more levels.
    const extra = JSON.parse(nested(LIMIT - 3));
    const res = await send('POST', '/integration-connections', admin, {
      definition_id: integrationId,
      name: 'Exactly at the limit',
      config: { api_token: 'token', extra },
    });
    expect(res.statusCode, res.body).toBe(201);
    const row = await db()
      .selectFrom('integration_connections')
      .select('config')
      .where('id', '=', res.json().data.id)
      .executeTakeFirstOrThrow();
    expect(row.config).toMatchObject({ extra });
  });
});

describe('config_schema patterns', () => {
  let t: TestApp;
  let root: SeededUser;
  let admin: SeededUser;

  const send = (method: 'POST' | 'PATCH', url: string, as: SeededUser, payload: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: as.auth, payload });

  const schemaWith = (pattern: string) => ({
    type: 'object',
    required: ['api_token'],
    properties: { api_token: { type: 'string', format: 'password' }, code: { type: 'string', pattern } },
  });

  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_RATE_LIMITS: 'false' } });
    root = await seedUser(t, { superAdmin: true });
    admin = await seedUser(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('evaluates a pattern that backtracks catastrophically in linear time', async () => {
    const entry = await send('POST', '/admin/integrations', root, {
      connector: 'demo',
      slug: 'catastrophic',
      name: 'Catastrophic',
      short_description: 'A pattern a backtracking engine takes 2^n steps on',
      config_schema: schemaWith('^(a+)+$'),
    });
    expect(entry.statusCode, entry.body).toBe(201);
    // Backtracking takes about 2^n steps on n a's and one b; this many would block the process for
    // many seconds (a test timeout) where a linear engine answers at once.
    const res = await send('POST', '/integration-connections', admin, {
      definition_id: entry.json().data.id,
      name: 'Evil input',
      config: { api_token: 'token', code: `${'a'.repeat(28)}b` },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.fields).toEqual([
      { field: 'config.code', location: 'body', message: 'must match pattern "^(a+)+$"' },
    ]);
  }, 3000);

  it.each([
    ['a backreference', '^(a)\\1$'],
    ['a lookahead', '^(?=a)a$'],
    ['a lookbehind', '^(?<=a)b$'],
  ])('refuses a pattern with %s, on create and on update', async (_, pattern) => {
    const before = await t.ctx.database.db
      .selectFrom('integration_definitions')
      .selectAll()
      .orderBy('id')
      .execute();
    const created = await send('POST', '/admin/integrations', root, {
      connector: 'demo',
      slug: `unsupported-${before.length}`,
      name: 'Unsupported',
      short_description: 'x',
      config_schema: schemaWith(pattern),
    });
    const updated = await send('PATCH', '/admin/integrations/demo', root, {
      config_schema: schemaWith(pattern),
    });
    for (const res of [created, updated]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: {
          fields: [
            {
              field: 'config_schema',
              location: 'body',
              message: expect.stringContaining(`pattern "${pattern}" cannot be matched in linear time`),
            },
          ],
        },
      });
    }
    expect(
      await t.ctx.database.db.selectFrom('integration_definitions').selectAll().orderBy('id').execute(),
    ).toEqual(before);
  });
});

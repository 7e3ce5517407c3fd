import type { InjectOptions } from 'fastify';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleRoutes } from '../../src/app.js';
import { AppError } from '../../src/platform/errors.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  type PageQuery,
  paged,
  pageQuery,
  pageWindow,
  sortQuery,
} from '../../src/platform/http/envelope.js';
import { type TestApp, testApp } from '../helpers/app.js';

const Item = Type.Object({ name: Type.String(), count: Type.Integer() });
const items = Array.from({ length: 45 }, (_, i) => ({
  name: `item-${String(i).padStart(2, '0')}`,
  count: i % 7,
}));

// A small resource built only from the shared helpers, as every module's routes will be.
const exampleRoutes: ModuleRoutes = async (app) => {
  app.get(
    '/examples',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Object(
          {
            ...pageQuery({ defaultPerPage: 10, maxPerPage: 20 }),
            ...sortQuery(['name', 'count'], { sort: 'name', order: 'asc' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(Item), ...errorResponses(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const sorted = [...items].sort((a, b) => {
        const d =
          q.sort === 'name'
            ? a.name.localeCompare(b.name)
            : a.count - b.count || a.name.localeCompare(b.name);
        return q.order === 'asc' ? d : -d;
      });
      const { limit, offset } = pageWindow(q as PageQuery);
      return paged(sorted.slice(offset, offset + limit), q as PageQuery, sorted.length);
    },
  );
  app.post(
    '/examples',
    {
      config: { access: 'public' },
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 10 }),
            count: Type.Integer({ minimum: 0 }),
            config: Type.Optional(Type.Object({ api_token: Type.String() }, { additionalProperties: false })),
          },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(Item), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      if (request.body.name === 'taken') throw new AppError('BAD_REQUEST', 'Name taken', { field: 'name' });
      return reply.code(201).send({ data: { name: request.body.name, count: request.body.count } });
    },
  );
  app.get('/examples/boom', { config: { access: 'public' } }, async () => {
    throw new Error('connection to postgres://admin:hunter2@db failed at /srv/app/store.ts:42');
  });
};

describe('HTTP conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ extraRoutes: exampleRoutes, env: { SWITCHBOARD_BODY_LIMIT: '2048' } });
  });
  afterAll(() => t.close());

  const inject = (opts: InjectOptions) => t.app.inject(opts);

  describe('envelopes and pagination', () => {
    it('wraps lists with pagination and applies per-route defaults', async () => {
      const res = await inject({ method: 'GET', url: '/api/v1/examples' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.pagination).toEqual({ page: 1, per_page: 10, total: 45, total_pages: 5 });
      expect(body.data.map((i: { name: string }) => i.name)).toEqual(items.slice(0, 10).map((i) => i.name));
    });

    it('pages, sorts and orders by an allowed field', async () => {
      const res = await inject({
        method: 'GET',
        url: '/api/v1/examples?page=5&per_page=10&sort=count&order=desc',
      });
      const body = res.json();
      expect(body.pagination).toEqual({ page: 5, per_page: 10, total: 45, total_pages: 5 });
      expect(body.data).toHaveLength(5);
      expect(body.data.every((i: { count: number }) => i.count === 0)).toBe(true);
    });

    it.each([
      ['per_page=21', 'per_page'],
      ['per_page=0', 'per_page'],
      ['page=0', 'page'],
      ['page=abc', 'page'],
      ['sort=password', 'sort'],
      ['order=sideways', 'order'],
      ['unknown=1', 'unknown'],
    ])('refuses %s with 400 naming %s', async (query, field) => {
      const res = await inject({ method: 'GET', url: `/api/v1/examples?${query}` });
      expect(res.statusCode).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(error.details.fields[0].location).toBe('querystring');
    });

    it('lists the allowed sort fields when refusing one', async () => {
      const res = await inject({ method: 'GET', url: '/api/v1/examples?sort=secret' });
      expect(res.json().error.details.fields[0].message).toBe('must be one of: name, count');
    });
  });

  describe('bad input', () => {
    it('names every failing body field, nested and unknown ones included', async () => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/examples',
        payload: { name: 'far too long a name', count: -1, config: { api_token: 5, extra: true }, rogue: 1 },
      });
      expect(res.statusCode).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe('VALIDATION_ERROR');
      const fields = error.details.fields.map((f: { field: string }) => f.field).sort();
      expect(fields).toEqual(['config.api_token', 'config.extra', 'count', 'name', 'rogue']);
      expect(error.message).toMatch(/^Invalid body: /);
      expect(error.request_id).toBe(res.headers['x-request-id']);
    });

    it('names a missing required field', async () => {
      const res = await inject({ method: 'POST', url: '/api/v1/examples', payload: { name: 'ok' } });
      expect(res.json().error.details.fields).toEqual([
        { field: 'count', location: 'body', message: 'is required' },
      ]);
    });

    it.each([
      ['malformed JSON', '{"name": "x",'],
      ['JSON that poisons prototypes', '{"name": "x", "count": 1, "__proto__": {"admin": true}}'],
    ])('answers %s with 400 INVALID_JSON', async (_, payload) => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/examples',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INVALID_JSON');
    });

    it('reads an empty JSON body as no body: a required one is named, not called malformed', async () => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/examples',
        headers: { 'content-type': 'application/json' },
        payload: '',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(/body/),
      });
    });

    it('answers a body over the limit with 413', async () => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/examples',
        payload: { name: 'x'.repeat(5000), count: 1 },
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('answers an unsupported media type with 415', async () => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/examples',
        headers: { 'content-type': 'application/xml' },
        payload: '<name>x</name>',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers an unknown route with 404 NOT_FOUND in the envelope', async () => {
      const res = await inject({ method: 'DELETE', url: '/api/v1/nothing-here?x=1' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: {
          code: 'NOT_FOUND',
          message: 'Route DELETE /api/v1/nothing-here not found',
          request_id: res.headers['x-request-id'],
        },
      });
    });

    it('maps a thrown AppError to its registry status with details', async () => {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/examples',
        payload: { name: 'taken', count: 1 },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'Name taken',
        details: { field: 'name' },
      });
    });

    it('answers an unexpected failure with 500 and no internals, and logs it', async () => {
      const res = await inject({ method: 'GET', url: '/api/v1/examples/boom' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({
        error: {
          code: 'INTERNAL_ERROR',
          message: 'Internal server error',
          request_id: res.headers['x-request-id'],
        },
      });
      expect(res.body).not.toMatch(/hunter2|store\.ts|at /);
      const logged = t.logs.lines.find(
        (l) => l.msg === 'request failed' && l.request_id === res.headers['x-request-id'],
      );
      expect(logged).toBeDefined();
    });
  });

  describe('request ids', () => {
    it('echoes a sane request id and logs under it', async () => {
      const res = await inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'trace-abc.123' },
      });
      expect(res.headers['x-request-id']).toBe('trace-abc.123');
      expect(
        t.logs.lines.some((l) => l.request_id === 'trace-abc.123' && l.msg === 'request completed'),
      ).toBe(true);
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['control characters', 'abc\u0001def'],
      ['spaces and quotes', 'a b"c'],
    ])('replaces a request id with %s', async (_why, given) => {
      const res = await inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': given } });
      expect(res.headers['x-request-id']).not.toBe(given);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    });

    it('generates a random UUID when none is given', async () => {
      const res = await inject({ method: 'GET', url: '/healthz' });
      expect(res.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    });
  });

  describe('security headers', () => {
    it.each([
      ['a success', '/healthz', 200],
      ['an unknown route', '/nope', 404],
      ['a failure', '/api/v1/examples/boom', 500],
      ['a validation error', '/api/v1/examples?page=0', 400],
    ])('are on %s', async (_what, url, status) => {
      const res = await inject({ method: 'GET', url });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['permissions-policy']).toMatch(/geolocation=\(\).*microphone=\(\).*camera=\(\)/);
    });

    it('sends no CORS headers when no origins are configured', async () => {
      const res = await inject({
        method: 'GET',
        url: '/healthz',
        headers: { origin: 'https://evil.example' },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await inject({
        method: 'OPTIONS',
        url: '/api/v1/examples',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('CORS when origins are configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_CORS_ORIGINS: 'https://app.example, https://admin.example' } });
  });
  afterAll(() => t.close());

  it('allows a configured origin and not another', async () => {
    const ok = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://admin.example' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://admin.example');
    const other = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight from a configured origin', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/healthz',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});

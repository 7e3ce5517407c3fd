import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import { errorCodes } from '../../src/platform/errors.js';
import { type TestApp, testApp } from '../helpers/app.js';

describe('OpenAPI document and reference', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example.com/' } });
  });
  afterAll(() => t.close());

  it('serves a valid OpenAPI 3.1 document at /api/v1/openapi.json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes the routes from their schemas, the error envelope, and every error code', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    expect(doc.paths['/readyz'].get.responses['503']).toBeDefined();
    expect(doc.components.schemas.ErrorResponse.properties.error.required).toEqual(
      expect.arrayContaining(['code', 'message', 'request_id']),
    );
    expect(doc.servers).toEqual([{ url: 'https://switchboard.example.com' }]);
    for (const code of Object.keys(errorCodes)) expect(doc.info.description).toContain(`\`${code}\``);
  });

  it("documents each provider's preview shape, titled by its provider", async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const answer =
      doc.paths['/api/v1/integration-connections/{id}/preview'].get.responses['200'].content[
        'application/json'
      ];
    const { oneOf } = answer.schema.properties.data.properties.preview;
    const previewing = connectors.filter((c) => c.preview);
    expect(oneOf.map((shape: { title: string }) => shape.title)).toEqual(
      previewing.map((c) => c.definition.provider),
    );
    const okta = oneOf.find((shape: { title: string }) => shape.title === 'okta');
    expect(okta.properties.users.required).toEqual(
      expect.arrayContaining(['total', 'active', 'deprovisioned', 'mfa_enrolled', 'mfa_enrolled_pct']),
    );
  });

  it('serves a browsable reference at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('swagger-ui');
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.json().openapi).toBe('3.1.0');
  });
});

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.js';
import { type ErrorCode, errorCodes } from '../errors.js';
import { statusOf } from './error-response.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

/**
 * OpenAPI 3.1 generated from the route schemas, and a browsable reference at /docs. `amend` adds
 * to the generated document what route schemas do not say (each time it is served).
 */
export async function registerOpenApi(
  app: FastifyInstance,
  publicUrl: string,
  amend: (document: object) => void = () => {},
): Promise<void> {
  await app.register(swagger, {
    transformObject: (document) => {
      const generated = 'openapiObject' in document ? document.openapiObject : document.swaggerObject;
      amend(generated);
      return generated;
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: VERSION,
        description: [
          'Self-hostable integration engine. Every response is JSON: `{ "data": … }` on success,',
          '`{ "error": { code, message, details, request_id } }` on failure.',
          '',
          '| code | status | meaning |',
          '|---|---|---|',
          ...(Object.keys(errorCodes) as ErrorCode[]).map(
            (code) => `| \`${code}\` | ${statusOf(code)} | ${errorCodes[code].message} |`,
          ),
        ].join('\n'),
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A JWT access token or an `sk_` API key' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}

import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that an empty one reads
 * as no body: many clients send `Content-Type: application/json` on every POST, and an endpoint
 * whose body is optional (`POST …/sync`) must not answer them 400. An endpoint that needs a body
 * still answers VALIDATION_ERROR naming it.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.length === 0) done(null, undefined);
    else parse(request, text, done);
  });
}

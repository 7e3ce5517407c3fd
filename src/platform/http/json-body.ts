import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/**
 * How deeply a JSON body may nest objects and arrays (`{}` is one level). Deeper bodies are refused
 * when parsed, so no later step (cloning, schema validation, JSON encoding for the database) meets
 * one: their recursion overflowed the stack on a 30 kB body 5,000 levels deep.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Walks the parsed value, recursing at most `MAX_JSON_DEPTH + 1` frames. Measured cheaper than
 * scanning the text for brackets: it visits values, not characters (a 9 kB body: about 6 µs against
 * 20 µs for the fastest scan, and 50 µs for the parse itself).
 */
function nestsTooDeep(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_JSON_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsTooDeep(item, depth + 1)) return true;
  } else {
    // for…in, not Object.values: no array to allocate; a parsed body has no inherited keys.
    for (const key in value)
      if (nestsTooDeep((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

const tooDeep = () =>
  new AppError('VALIDATION_ERROR', `Invalid body: JSON nests deeper than ${MAX_JSON_DEPTH} levels`, {
    fields: [{ field: 'body', location: 'body', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }],
  });

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that an empty one reads
 * as no body: many clients send `Content-Type: application/json` on every POST, and an endpoint
 * whose body is optional (`POST …/sync`) must not answer them 400. An endpoint that needs a body
 * still answers VALIDATION_ERROR naming it. A body nested deeper than `MAX_JSON_DEPTH` is a
 * VALIDATION_ERROR too.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    parse(request, text, (error, value) => {
      if (error) done(error);
      else if (nestsTooDeep(value, 1)) done(tooDeep());
      else done(null, value);
    });
  });
}

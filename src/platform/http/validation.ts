import AjvModule, { type AnySchema, type Options } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

function createAjv(coerceTypes: Options['coerceTypes']) {
  const ajv = new Ajv({
    coerceTypes,
    // Unknown fields are refused, not silently dropped; every failing field is reported
    // (the body limit bounds the cost of collecting them all).
    removeAdditional: false,
    allErrors: true,
    useDefaults: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Query strings, params and headers arrive as text and are coerced to the schema's types; JSON
 * bodies are not: `"count": "5"` for an integer is a client bug that deserves a 400.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<AnySchema> {
  const body = createAjv(false);
  const text = createAjv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema);
}

/** preValidation for a route whose JSON body is optional: a request without one reads as `{}`. */
export async function bodyOptional(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}

import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import AjvModule, { type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
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
 *
 * Each validator is compiled on its route's first request: compiling every route's schemas at
 * start was a quarter of the start-up time (bench/http, start → /readyz).
 */
export function createValidatorCompiler(): FastifySchemaCompiler<AnySchema> {
  const body = createAjv(false);
  const text = createAjv('array');
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? body : text;
    let compiled: ValidateFunction | undefined;
    const validate = Object.assign(
      (data: unknown) => {
        compiled ??= ajv.compile(schema);
        const valid = compiled(data);
        // Fastify reads the errors off the function it was given.
        validate.errors = compiled.errors;
        return valid;
      },
      { errors: null as ErrorObject[] | null | undefined },
    );
    return validate;
  };
}

/**
 * Fastify's response serializers (fast-json-stringify), each built on its route's first response
 * rather than at start, where building them all was a third of the start-up time (bench/http).
 */
export function lazySerializers(): ReturnType<typeof SerializerSelector> {
  const factory = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => {
        serialize ??= compile(route);
        return serialize(doc);
      };
    };
  };
}

/** preValidation for a route whose JSON body is optional: a request without one reads as `{}`. */
export async function bodyOptional(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}

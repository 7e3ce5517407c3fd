import Ajv2020Module, { type ErrorObject } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import { type FieldIssue, InvalidFieldsError } from '../../platform/errors.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = formatsModule.default;

/**
 * The patterns of a config schema, which a platform admin writes and any tenant's config is then
 * matched against, run on RE2 (linear time) instead of the backtracking RegExp, on which `^(a+)+$`
 * and 28 a's and a b block the process for seconds, twice as long with each more a. RE2 has no
 * backreferences or lookaround: such a pattern does not compile, which checkConfigSchema reports.
 * Ajv passes at most the `u` flag, which RE2 needs not: it always matches code points.
 */
const linearRegExp = Object.assign(
  (pattern: string) => {
    try {
      return RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `pattern "${pattern}" cannot be matched in linear time (no backreferences or lookaround): ${reason}`,
      );
    }
  },
  // How Ajv names the engine in the code it generates: "new RegExp" would make it call RegExp.
  { code: 'RE2JS' },
);

// Config schemas are JSON Schema 2020-12 (see ConfigSchema in connectors/sdk.ts). Unknown keywords
// such as `x-secret` are annotations, so strict mode stays off; the logger would print to stdout.
const ajv = new Ajv2020({
  allErrors: true,
  strict: false,
  useDefaults: true,
  logger: false,
  code: { regExp: linearRegExp },
});
addFormats(ajv);
// Marks a secret field; any string is valid.
ajv.addFormat('password', true);

/**
 * Compiles a schema for one use. Schemas come from rows, a new object each time, and Ajv caches by
 * object, so each is removed again or the cache would grow with every request.
 */
function withCompiled<T>(schema: Record<string, unknown>, use: (validate: ValidateFn) => T): T {
  try {
    const validate = ajv.compile(schema);
    return use((data) => (validate(data) ? [] : (validate.errors ?? [])));
  } finally {
    ajv.removeSchema(schema);
  }
}

type ValidateFn = (data: unknown) => ErrorObject[];

/** Refuses a `config_schema` that is not a JSON Schema Ajv can compile, naming `field`. */
export function checkConfigSchema(schema: Record<string, unknown>, field = 'config_schema'): void {
  let problem: string | undefined;
  try {
    if (!ajv.validateSchema(schema)) problem = ajv.errorsText(ajv.errors, { dataVar: field });
    else withCompiled(schema, () => undefined);
  } catch (error) {
    // An unresolvable $ref, an invalid regular expression, an unknown $schema…
    problem = error instanceof Error ? error.message : String(error);
  }
  if (problem !== undefined) {
    throw new InvalidFieldsError([{ field, message: `is not a valid JSON Schema: ${problem}` }]);
  }
}

function fieldOf(issue: ErrorObject, prefix: string): string {
  const path = issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params: Record<string, unknown> = issue.params;
  const child = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
  if (typeof child === 'string') path.push(child);
  return [prefix, ...path].join('.');
}

function messageOf(issue: ErrorObject): string {
  const params: Record<string, unknown> = issue.params;
  if (params.additionalProperty !== undefined) return 'is not an allowed field';
  if (params.missingProperty !== undefined) return 'is required';
  if (Array.isArray(params.allowedValues)) return `must be one of: ${params.allowedValues.join(', ')}`;
  return issue.message ?? 'is invalid';
}

/**
 * Validates a connection config against an integration's `config_schema` and returns a copy with
 * the schema's defaults filled in. Every failing field is named (`config.domain`) in a 400.
 */
export function validateConfig(
  schema: Record<string, unknown>,
  config: Record<string, unknown>,
  prefix = 'config',
): Record<string, unknown> {
  const copy = structuredClone(config);
  const issues = withCompiled(schema, (validate) => validate(copy));
  if (issues.length === 0) return copy;
  const seen = new Set<string>();
  const fields: FieldIssue[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue, prefix);
    const message = messageOf(issue);
    if (seen.has(`${field}:${message}`)) continue;
    seen.add(`${field}:${message}`);
    fields.push({ field, message });
  }
  throw new InvalidFieldsError(fields);
}

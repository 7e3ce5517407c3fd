import type { FieldProblem } from '../api/errors';
import type { JsonObject, JsonSchema, JsonValue } from '../api/types';
import { humanize } from '../format';

/** How the API shows a stored secret; sent back, or left out, it keeps the stored value. */
export const MASKED = '***masked***';

/**
 * A form's state for one schema node. Inputs hold text as typed (numbers included, so "12a" can
 * be reported rather than lost); the value is read out of the draft, validated, on submit.
 */
export type Draft =
  | { kind: 'text'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'list'; items: Draft[] }
  | { kind: 'object'; present: boolean; fields: Record<string, Draft> }
  | { kind: 'map'; entries: { key: string; value: Draft }[] };

export type FieldKind =
  | 'text'
  | 'secret'
  | 'select'
  | 'number'
  | 'boolean'
  | 'list'
  | 'object'
  | 'map'
  | 'json';

/** Error messages by dotted path (`entities.0.name`), the way the API names fields. */
export type FieldErrors = Record<string, string>;

export function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type;
}

export function fieldKind(schema: JsonSchema): FieldKind {
  if (schema.enum) return 'select';
  switch (typeOf(schema)) {
    case 'string':
      return schema.format === 'password' ? 'secret' : 'text';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return schema.items ? 'list' : 'json';
    case 'object':
      if (schema.properties) return 'object';
      return typeof schema.additionalProperties === 'object' ? 'map' : 'json';
    default:
      return 'json';
  }
}

export function labelOf(schema: JsonSchema, name: string): string {
  return schema.title ?? humanize(name);
}

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The draft of a value (a connection's config when editing; nothing when creating: defaults). */
export function initialDraft(schema: JsonSchema, value: JsonValue | undefined, required = true): Draft {
  const kind = fieldKind(schema);
  const source = value ?? schema.default;
  switch (kind) {
    case 'boolean':
      return { kind: 'bool', value: typeof source === 'boolean' ? source : false };
    case 'list': {
      const items = Array.isArray(source) ? source : [];
      return { kind: 'list', items: items.map((item) => initialDraft(schema.items ?? {}, item)) };
    }
    case 'object': {
      const object = isObject(source) ? source : undefined;
      const fields: Record<string, Draft> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        fields[name] = initialDraft(property, object?.[name], schema.required?.includes(name) ?? false);
      }
      return { kind: 'object', present: required || object !== undefined, fields };
    }
    case 'map': {
      const object = isObject(source) ? source : {};
      const valueSchema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
      return {
        kind: 'map',
        entries: Object.entries(object).map(([key, entry]) => ({
          key,
          value: initialDraft(valueSchema, entry),
        })),
      };
    }
    case 'json':
      return { kind: 'text', text: source === undefined ? '' : JSON.stringify(source, null, 2) };
    case 'secret':
      // A stored secret is never shown: the field starts empty and "empty" means "keep it".
      return { kind: 'text', text: typeof source === 'string' && source !== MASKED ? source : '' };
    default:
      return { kind: 'text', text: source === undefined || source === null ? '' : String(source) };
  }
}

/** An empty draft for a new list item. */
export function emptyDraft(schema: JsonSchema): Draft {
  return initialDraft(schema, undefined);
}

function compile(pattern: string): RegExp | undefined {
  // JSON Schema patterns are ECMA-262 with Unicode semantics (as Ajv reads them on the server).
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

function textProblem(schema: JsonSchema, text: string): string | undefined {
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    return `Enter at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}.`;
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    return `Enter at most ${schema.maxLength} characters.`;
  }
  if (schema.format === 'uri' && !URL.canParse(text)) {
    return 'Enter a full URL, starting with https:// (for example https://api.example.com).';
  }
  if (schema.pattern !== undefined && compile(schema.pattern)?.test(text) === false) {
    return schema.description
      ? 'This is not in the expected format: see the hint below.'
      : `This is not in the expected format (it must match ${schema.pattern}).`;
  }
  return undefined;
}

function numberProblem(schema: JsonSchema, value: number): string | undefined {
  if (Number.isNaN(value)) return 'Enter a number.';
  if (typeOf(schema) === 'integer' && !Number.isInteger(value)) return 'Enter a whole number.';
  if (schema.minimum !== undefined && value < schema.minimum) return `Enter ${schema.minimum} or more.`;
  if (schema.maximum !== undefined && value > schema.maximum) return `Enter ${schema.maximum} or less.`;
  return undefined;
}

interface ReadContext {
  errors: FieldErrors;
  /** Paths of secrets stored on the server: empty means "keep", so they are not missing. */
  stored: ReadonlySet<string>;
}

const join = (path: string, name: string | number) => (path ? `${path}.${name}` : String(name));

/** The value a draft stands for, with `undefined` for "left empty"; problems go into `errors`. */
function read(schema: JsonSchema, draft: Draft, path: string, context: ReadContext): JsonValue | undefined {
  const fail = (message: string) => {
    context.errors[path] = message;
    return undefined;
  };
  switch (draft.kind) {
    case 'bool':
      return draft.value;
    case 'text': {
      const { text } = draft;
      if (text.trim() === '') return undefined;
      const kind = fieldKind(schema);
      if (kind === 'select') {
        const choice = schema.enum?.find((option) => String(option) === text);
        return choice === undefined ? fail('Choose one of the options.') : choice;
      }
      if (kind === 'number') {
        const value = Number(text);
        const problem = numberProblem(schema, value);
        return problem ? fail(problem) : value;
      }
      if (kind === 'json') {
        try {
          return JSON.parse(text) as JsonValue;
        } catch {
          return fail('Enter valid JSON.');
        }
      }
      const problem = textProblem(schema, text);
      return problem ? fail(problem) : text;
    }
    case 'list': {
      const itemSchema = schema.items ?? {};
      const values: JsonValue[] = [];
      draft.items.forEach((item, index) => {
        const value = read(itemSchema, item, join(path, index), context);
        if (value !== undefined) values.push(value);
      });
      const label = (count: number) => `${count} ${count === 1 ? 'item' : 'items'}`;
      if (schema.minItems !== undefined && values.length < schema.minItems && values.length > 0) {
        return fail(`Add at least ${label(schema.minItems)}.`);
      }
      if (schema.maxItems !== undefined && values.length > schema.maxItems) {
        return fail(`Keep at most ${label(schema.maxItems)}.`);
      }
      return values.length > 0 ? values : undefined;
    }
    case 'object': {
      if (!draft.present) return undefined;
      const object: JsonObject = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const child = draft.fields[name];
        const childPath = join(path, name);
        const value = child ? read(property, child, childPath, context) : undefined;
        if (value !== undefined) object[name] = value;
        else if (
          schema.required?.includes(name) &&
          !context.stored.has(childPath) &&
          !context.errors[childPath]
        ) {
          context.errors[childPath] = 'This field is required.';
        }
      }
      return object;
    }
    case 'map': {
      const valueSchema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
      const namePattern = schema.propertyNames?.pattern;
      const object: JsonObject = {};
      for (const [index, entry] of draft.entries.entries()) {
        const key = entry.key.trim();
        const value = read(valueSchema, entry.value, join(path, index), context);
        if (!key && value === undefined) continue;
        if (!key) return fail(`Entry ${index + 1} needs a name.`);
        if (namePattern && compile(namePattern)?.test(key) === false)
          return fail(`“${key}” is not a valid name.`);
        if (key in object) return fail(`“${key}” is there twice.`);
        object[key] = value ?? '';
      }
      const count = Object.keys(object).length;
      if (schema.maxProperties !== undefined && count > schema.maxProperties) {
        return fail(`Keep at most ${schema.maxProperties} entries.`);
      }
      return count > 0 ? object : undefined;
    }
  }
}

export type ReadResult = { ok: true; value: JsonObject } | { ok: false; errors: FieldErrors };

/** Validates a whole form's draft against its (object) schema. */
export function readForm(
  schema: JsonSchema,
  draft: Draft,
  stored: ReadonlySet<string> = new Set(),
): ReadResult {
  const context: ReadContext = { errors: {}, stored };
  const value = read(schema, draft, '', context);
  if (Object.keys(context.errors).length > 0) return { ok: false, errors: context.errors };
  return { ok: true, value: isObject(value) ? value : {} };
}

/** The top-level fields a stored config holds as secrets (read back as `***masked***`). */
export function storedSecrets(config: JsonObject | undefined): Set<string> {
  return new Set(Object.entries(config ?? {}).flatMap(([name, value]) => (value === MASKED ? [name] : [])));
}

function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameJson(a[key], b[key]));
  }
  return false;
}

/**
 * What an edit sends: the API merges config one level deep, so only the changed fields go, with
 * `null` for a field emptied; a secret left empty keeps its stored value and is not sent.
 */
export function configPatch(initial: JsonObject, next: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const name of new Set([...Object.keys(initial), ...Object.keys(next)])) {
    const before = initial[name];
    const after = next[name];
    if (before === MASKED && after === undefined) continue;
    if (sameJson(before, after)) continue;
    patch[name] = after === undefined ? null : after;
  }
  return patch;
}

/** A 400's fields under `prefix` (`config.` for a connection's config), as form errors. */
export function serverFieldErrors(fields: FieldProblem[], prefix: string): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of fields) {
    if (!field.field.startsWith(prefix)) continue;
    const message = field.message.charAt(0).toUpperCase() + field.message.slice(1);
    errors[field.field.slice(prefix.length)] = message.endsWith('.') ? message : `${message}.`;
  }
  return errors;
}

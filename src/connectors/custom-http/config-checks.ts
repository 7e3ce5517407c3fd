/**
 * The checks of a custom HTTP config that its schema cannot express: the fields each auth type
 * needs, unique entity names, paths on the base URL's origin (the engine calls nothing else), and
 * each pagination style's own fields. Each problem names its field as schema errors do
 * (`config.entities.1.pagination.cursor_path`). The config may come from a catalog entry's own
 * schema, so nothing is assumed of its shape.
 */
import type { FieldIssue } from '../../platform/errors.js';
import { isRecord } from './json-path.js';
import { HEADER_NAME } from './schema.js';

const filled = (value: unknown) => typeof value === 'string' && value !== '';

function authIssues(config: Record<string, unknown>): FieldIssue[] {
  const needs = (field: string): FieldIssue[] =>
    filled(config[field])
      ? []
      : [{ field: `config.${field}`, message: `is required when auth_type is ${String(config.auth_type)}` }];
  switch (config.auth_type) {
    case 'bearer':
      return needs('token');
    case 'api_key': {
      const issues = [...needs('api_key'), ...needs('key_name')];
      const name = config.key_name;
      if (config.key_in !== 'query' && filled(name) && !new RegExp(HEADER_NAME).test(String(name)))
        issues.push({ field: 'config.key_name', message: 'is not a valid header name' });
      return issues;
    }
    case 'basic':
      return needs('username');
    default:
      return [];
  }
}

function baseOrigin(config: Record<string, unknown>): string | undefined {
  const base = config.base_url;
  return typeof base === 'string' && URL.canParse(base) ? new URL(base).origin : undefined;
}

/** An issue when `path` is an absolute URL off the base URL's origin. */
function offOrigin(path: unknown, origin: string | undefined, field: string): FieldIssue[] {
  if (typeof path !== 'string' || origin === undefined || !URL.canParse(path)) return [];
  if (new URL(path).origin === origin) return [];
  return [
    { field, message: `is a URL on another origin than base_url (${origin}): only base_url's is called` },
  ];
}

function entityIssues(entity: unknown, index: number, origin: string | undefined): FieldIssue[] {
  if (!isRecord(entity)) return [];
  const at = (name: string) => `config.entities.${index}.${name}`;
  const issues = offOrigin(entity.path, origin, at('path'));
  const pagination = entity.pagination;
  if (isRecord(pagination) && pagination.style === 'cursor' && !filled(pagination.cursor_path)) {
    issues.push({ field: at('pagination.cursor_path'), message: 'is required for cursor pagination' });
  }
  return issues;
}

function duplicateNames(entities: unknown[]): FieldIssue[] {
  const first = new Map<string, number>();
  const issues: FieldIssue[] = [];
  entities.forEach((entity, index) => {
    const name = isRecord(entity) ? entity.name : undefined;
    if (typeof name !== 'string') return;
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, index);
    else
      issues.push({
        field: `config.entities.${index}.name`,
        message: `is already the name of entities.${earlier}`,
      });
  });
  return issues;
}

export function checkCustomHttpConfig(config: Record<string, unknown>): FieldIssue[] {
  const origin = baseOrigin(config);
  const entities = Array.isArray(config.entities) ? config.entities : [];
  return [
    ...authIssues(config),
    ...offOrigin(config.test_path, origin, 'config.test_path'),
    ...entities.flatMap((entity, index) => entityIssues(entity, index, origin)),
    ...duplicateNames(entities),
  ];
}

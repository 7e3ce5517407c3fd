/**
 * An entity's listing in the toolkit's pagination styles (src/connectors/toolkit/pagination.ts):
 * where it starts, how its pages follow, and where its records are in each page's body.
 */
import { type Pagination, ProviderError } from '../sdk.js';
import { withParam } from '../toolkit/pagination.js';
import { kindOf, valueAt } from './json-path.js';
import type { EntityConfig } from './schema.js';

/** The page size when the config names none. */
export const DEFAULT_PAGE_SIZE = 100;

/** The records of a page's body at the entity's records_path; a body without a list there fails the listing. */
function recordsIn(entity: EntityConfig): (body: unknown) => unknown[] {
  const path = entity.records_path ?? '';
  return (body) => {
    const records = valueAt(body, path);
    if (Array.isArray(records)) return records;
    const where = path === '' ? 'the body' : `records_path "${path}"`;
    throw new ProviderError(
      'permanent',
      `Listing ${entity.name} failed: ${where} is ${kindOf(records)} in the answer, not a list of records`,
    );
  };
}

/** The next cursor at `path` in a body; null (the last page) when absent or empty. */
function cursorAt(path: string): (body: unknown) => string | null {
  return (body) => {
    const cursor = valueAt(body, path);
    if (typeof cursor === 'number' && Number.isFinite(cursor)) return String(cursor);
    return typeof cursor === 'string' && cursor !== '' ? cursor : null;
  };
}

function paginationOf(entity: EntityConfig): Pagination<unknown> {
  const options = entity.pagination ?? {};
  const items = recordsIn(entity);
  const size = options.page_size ?? DEFAULT_PAGE_SIZE;
  switch (options.style) {
    case 'link':
      return { style: 'link', items };
    case 'cursor':
      return {
        style: 'cursor',
        param: options.cursor_param ?? 'cursor',
        items,
        next: cursorAt(options.cursor_path ?? ''),
      };
    case 'page':
      return {
        style: 'page',
        param: options.page_param ?? 'page',
        sizeParam: options.size_param ?? 'per_page',
        size,
        first: options.first_page ?? 1,
        items,
      };
    case 'offset':
      return {
        style: 'offset',
        param: options.offset_param ?? 'offset',
        limitParam: options.size_param ?? 'limit',
        limit: size,
        items,
      };
    default:
      // One request: a body that names no next page.
      return { style: 'next-url', items, next: () => null };
  }
}

export interface Listing {
  /** The first request: the entity's path with its incremental and page-size parameters. */
  start: string;
  pagination: Pagination<unknown>;
}

/** The listing of `entity`; `since` (incremental) asks only for what changed since that value. */
export function listingOf(entity: EntityConfig, since: string | null): Listing {
  let start = entity.path;
  if (since !== null && entity.incremental) start = withParam(start, entity.incremental.param, since);
  const options = entity.pagination ?? {};
  // page and offset send their size themselves; link and cursor only when the config names the parameter.
  if ((options.style === 'link' || options.style === 'cursor') && options.size_param) {
    start = withParam(start, options.size_param, options.page_size ?? DEFAULT_PAGE_SIZE);
  }
  return { start, pagination: paginationOf(entity) };
}

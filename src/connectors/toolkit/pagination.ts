import type { ProviderRequest, ProviderResponse } from '../../platform/outbound/provider-fetch.js';

/** Reads a page's items out of its parsed body. */
type Items<T> = (body: unknown) => T[];

/**
 * How a provider pages a listing. Every style yields the next page's request as a resume point
 * (a path or an absolute URL on the provider's origin), so a connector saves it as its cursor.
 */
export type Pagination<T> =
  /** RFC 8288: the next page is the `Link` header's `rel="next"` URL (Okta, GitHub). Body: the items, or `items`. */
  | { style: 'link'; items?: Items<T> }
  /** The body names a cursor that the next request sends as `param` (Slack's `next_cursor`); empty ends. */
  | { style: 'cursor'; param: string; items: Items<T>; next: (body: unknown) => string | null | undefined }
  /** Page numbers in `param` from `first` (default 1), `size` a page; a shorter page is the last. */
  | { style: 'page'; param: string; sizeParam: string; size: number; first?: number; items: Items<T> }
  /** Item offsets in `param`, `limit` a page; a shorter page is the last. */
  | { style: 'offset'; param: string; limitParam: string; limit: number; items: Items<T> }
  /** The body gives the next page's URL. */
  | { style: 'next-url'; items: Items<T>; next: (body: unknown) => string | null | undefined };

export interface ProviderPage<T> {
  items: T[];
  /** Where the listing resumes after this page; null after the last. */
  next: string | null;
}

type Fetch = (path: string, init?: ProviderRequest) => Promise<ProviderResponse>;

/** `path` (relative or absolute) with query parameter `name` set to `value`. */
export function withParam(path: string, name: string, value: string | number): string {
  const absolute = URL.canParse(path);
  const url = new URL(path, 'http://relative.invalid');
  url.searchParams.set(name, String(value));
  return absolute ? url.href : `${url.pathname}${url.search}`;
}

function param(path: string, name: string): string | null {
  return new URL(path, 'http://relative.invalid').searchParams.get(name);
}

/** The `rel="next"` target of an RFC 8288 `Link` header, if any. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2]!)) return match[1]!;
  }
  return null;
}

function asArray<T>(body: unknown): T[] {
  if (!Array.isArray(body))
    throw new TypeError('the provider answered a listing with something other than a list');
  return body as T[];
}

/** The first request of a listing: `start` with the page or offset parameter its style starts from. */
function firstRequest<T>(start: string, pagination: Pagination<T>): string {
  switch (pagination.style) {
    case 'page':
      return param(start, pagination.param) === null
        ? withParam(
            withParam(start, pagination.sizeParam, pagination.size),
            pagination.param,
            pagination.first ?? 1,
          )
        : start;
    case 'offset':
      return param(start, pagination.param) === null
        ? withParam(withParam(start, pagination.limitParam, pagination.limit), pagination.param, 0)
        : start;
    default:
      return start;
  }
}

/** The request after `current`, given its answer; null when the listing is done. */
function nextRequest<T>(
  current: string,
  pagination: Pagination<T>,
  body: unknown,
  items: T[],
  link: string | null,
): string | null {
  switch (pagination.style) {
    case 'link':
      return nextLink(link);
    case 'next-url':
      return pagination.next(body) || null;
    case 'cursor': {
      const cursor = pagination.next(body);
      return cursor ? withParam(current, pagination.param, cursor) : null;
    }
    case 'page':
      if (items.length < pagination.size) return null;
      return withParam(current, pagination.param, Number(param(current, pagination.param)) + 1);
    case 'offset':
      if (items.length < pagination.limit) return null;
      return withParam(current, pagination.param, Number(param(current, pagination.param)) + items.length);
  }
}

/**
 * Pages through a listing with `fetch`; a non-2xx answer is thrown as `failed(response)` makes it.
 */
export async function* paginate<T>(
  fetch: Fetch,
  start: string,
  pagination: Pagination<T>,
  failed: (response: ProviderResponse) => Promise<Error>,
): AsyncIterable<ProviderPage<T>> {
  let request: string | null = firstRequest(start, pagination);
  while (request !== null) {
    const response = await fetch(request);
    if (!response.ok) throw await failed(response);
    const body: unknown = await response.json();
    const items = pagination.items ? pagination.items(body) : asArray<T>(body);
    const next: string | null = nextRequest(request, pagination, body, items, response.headers.get('link'));
    yield { items, next };
    request = next;
  }
}

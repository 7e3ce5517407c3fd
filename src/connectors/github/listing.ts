/**
 * GitHub's page-numbered listings (an organization's repositories, members, outside collaborators)
 * as resumable streams. A cursor is "this page, after its first `seen` items": mid-listing it is the
 * next page from its start; after the last page it is that page after everything it held, so an
 * incremental sync picks up only what was appended since (listings are in creation order).
 */
import { nextLink } from '../toolkit/pagination.js';

export interface ListingCursor {
  page: number;
  seen: number;
}

export const LISTING_START: ListingCursor = { page: 1, seen: 0 };

/** A cursor this connector saved; anything else (an older format, a corrupt value) starts over. */
export function parseCursor(raw: string | undefined): ListingCursor {
  if (raw === undefined) return LISTING_START;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && 'page' in value && 'seen' in value) {
      const { page, seen } = value;
      if (Number.isInteger(page) && Number.isInteger(seen) && Number(page) >= 1 && Number(seen) >= 0) {
        return { page: Number(page), seen: Number(seen) };
      }
    }
  } catch {
    // Not ours: start over.
  }
  return LISTING_START;
}

export function formatCursor(cursor: ListingCursor): string {
  return JSON.stringify(cursor);
}

export function isStart(cursor: ListingCursor): boolean {
  return cursor.page === LISTING_START.page && cursor.seen === LISTING_START.seen;
}

/** The page number a `Link` URL asks for. */
function pageOf(url: string): number | undefined {
  const page = Number(new URL(url, 'http://relative.invalid').searchParams.get('page'));
  return Number.isInteger(page) && page >= 1 ? page : undefined;
}

export interface ListingPage<T> {
  items: T[];
  cursor: ListingCursor;
  last: boolean;
}

/** One response of Octokit's page iterator, as far as resuming needs it. */
interface PageResponse<T> {
  data: T[];
  headers: { link?: string | undefined };
}

/**
 * Reads Octokit's page iterator (started at `start.page`) as pages with their resume cursor,
 * leaving out the `start.seen` items already taken from the first one.
 */
export async function* resumable<T>(
  responses: AsyncIterable<PageResponse<T>>,
  start: ListingCursor,
): AsyncGenerator<ListingPage<T>> {
  let page = start.page;
  let skip = start.seen;
  for await (const response of responses) {
    const next = nextLink(response.headers.link ?? null);
    const items = response.data.slice(skip);
    const cursor: ListingCursor = next
      ? { page: pageOf(next) ?? page + 1, seen: 0 }
      : { page, seen: Math.max(response.data.length, skip) };
    yield { items, cursor, last: next === null };
    page = cursor.page;
    skip = 0;
  }
}

/**
 * Reading Okta through the connector context: single objects, and listings a page at a time by
 * RFC 8288 `Link: <…>; rel="next"` (developer.okta.com/docs/api/#pagination). Errors are Okta's
 * (errors.ts, the definition's `readError`), and resume points are paths, not Okta's absolute links: a cursor then survives a
 * change of domain or `base_url`, and a proxy's base path is kept.
 */
import type { ConnectorContext, ProviderPage } from '../sdk.js';
import { oktaErrorFrom } from './errors.js';
import { type OktaObject, oktaObjects } from './okta-types.js';

type Ctx = ConnectorContext<unknown>;

export const PAGE_SIZE = 200;

export const PATHS = {
  org: '/api/v1/org',
  users: '/api/v1/users',
  user: (userId: string) => `/api/v1/users/${encodeURIComponent(userId)}`,
  factors: (userId: string) => `/api/v1/users/${encodeURIComponent(userId)}/factors`,
  groups: '/api/v1/groups',
  group: (groupId: string) => `/api/v1/groups/${encodeURIComponent(groupId)}`,
  apps: '/api/v1/apps',
  app: (appId: string) => `/api/v1/apps/${encodeURIComponent(appId)}`,
  policies: (type: string) => `/api/v1/policies?type=${encodeURIComponent(type)}`,
  rules: (policyId: string) => `/api/v1/policies/${encodeURIComponent(policyId)}/rules`,
} as const;

/** `path` with Okta's query parameters, encoded as Okta asks (filter values in %22…%22). */
export function withQuery(path: string, query: Record<string, string | number>): string {
  const params = Object.entries(query)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `${path}${path.includes('?') ? '&' : '?'}${params}`;
}

/** A `next` link as a resume point: its path and query. */
export function resumePoint(link: string): string {
  if (!URL.canParse(link)) return link;
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/** GET one object, or null when Okta answers 404 (it was deleted meanwhile). */
export async function oktaGetOrNull<T>(ctx: Ctx, path: string, what: string): Promise<T | null> {
  const response = await ctx.fetch(path);
  if (response.status === 404) {
    await response.discard();
    return null;
  }
  if (!response.ok) throw await oktaErrorFrom(response, what);
  return response.json<T>();
}

/** One page of a listing, from a path or a resume point; `next` is where the listing goes on. */
export async function oktaPage<T extends OktaObject>(
  ctx: Ctx,
  request: string,
  what: string,
): Promise<ProviderPage<T>> {
  const pages = ctx
    .paginate<T>(request, { style: 'link', items: oktaObjects<T> }, what)
    [Symbol.asyncIterator]();
  try {
    const first = await pages.next();
    if (first.done) return { items: [], next: null };
    return {
      items: first.value.items,
      next: first.value.next === null ? null : resumePoint(first.value.next),
    };
  } finally {
    // Only this page is read: the next one is asked for from its resume point.
    await pages.return?.();
  }
}

/** Every page of a listing, in order. */
export async function* oktaPages<T extends OktaObject>(
  ctx: Ctx,
  start: string,
  what: string,
): AsyncGenerator<ProviderPage<T>> {
  let request: string | null = start;
  while (request !== null) {
    const page: ProviderPage<T> = await oktaPage<T>(ctx, request, what);
    yield page;
    request = page.next;
  }
}

/** Every object of a listing (small listings: policies, rules, probes). */
export async function oktaAll<T extends OktaObject>(ctx: Ctx, start: string, what: string): Promise<T[]> {
  const all: T[] = [];
  for await (const page of oktaPages<T>(ctx, start, what)) all.push(...page.items);
  return all;
}

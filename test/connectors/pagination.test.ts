import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, Pagination } from '../../src/connectors/sdk.js';
import { nextLink, withParam } from '../../src/connectors/toolkit/pagination.js';
import { testContext } from '../../src/connectors/toolkit/test-kit.js';
import { pagedDefinition } from '../fakes/paged-connector.js';

const ITEMS = Array.from({ length: 23 }, (_, i) => ({ id: `i${i}` }));

/** One listing of ITEMS served in every style the toolkit pages; `path` says which. */
function listingServer() {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const q = url.searchParams;
    const json = (body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    const origin = `http://${req.headers.host}`;
    switch (url.pathname) {
      case '/link': {
        const after = Number(q.get('after') ?? 0);
        const limit = Number(q.get('limit'));
        const page = ITEMS.slice(after, after + limit);
        const next =
          after + limit < ITEMS.length
            ? `<${origin}/link?after=${after + limit}&limit=${limit}>; rel="next", `
            : '';
        return json(page, { link: `${next}<${origin}/link?limit=${limit}>; rel="self"` });
      }
      case '/cursor': {
        const from = Number(q.get('cursor') ?? 0);
        const page = ITEMS.slice(from, from + 10);
        return json({
          items: page,
          meta: { next_cursor: from + 10 < ITEMS.length ? String(from + 10) : '' },
        });
      }
      case '/page': {
        const page = Number(q.get('page'));
        const size = Number(q.get('per_page'));
        return json({ data: ITEMS.slice((page - 1) * size, page * size) });
      }
      case '/offset': {
        const offset = Number(q.get('offset'));
        return json({ rows: ITEMS.slice(offset, offset + Number(q.get('limit'))) });
      }
      case '/next-url': {
        const from = Number(q.get('from') ?? 0);
        const next = from + 10 < ITEMS.length ? `${origin}/next-url?from=${from + 10}` : null;
        return json({ results: ITEMS.slice(from, from + 10), next });
      }
      default:
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
    }
  });
  return { server, seen };
}

describe('the toolkit’s pagination', () => {
  const listing = listingServer();
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => listing.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(listing.server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => listing.server.close(() => resolve())));
  beforeEach(() => {
    listing.seen.length = 0;
  });

  const connector = { definition: pagedDefinition } as Pick<Connector, 'definition'> as Connector;
  async function pages<T>(start: string, pagination: Pagination<T>) {
    const { ctx } = testContext(connector, { base_url: base, api_token: 't' });
    const out: { ids: string[]; next: string | null }[] = [];
    for await (const page of ctx.paginate(start, pagination, 'Listing')) {
      out.push({ ids: (page.items as { id: string }[]).map((i) => i.id), next: page.next });
    }
    return out;
  }
  const all = (out: { ids: string[] }[]) => out.flatMap((p) => p.ids);
  const expected = ITEMS.map((i) => i.id);

  it('follows RFC 8288 Link rel="next" to the end, each page naming where to resume', async () => {
    const out = await pages('/link?limit=10', { style: 'link' });
    expect(all(out)).toEqual(expected);
    expect(out.map((p) => p.next)).toEqual([
      `${base}link?after=10&limit=10`,
      `${base}link?after=20&limit=10`,
      null,
    ]);
    // Resuming from a saved `next` reads only what follows it.
    expect(all(await pages(out[0]!.next!, { style: 'link' }))).toEqual(expected.slice(10));
  });

  it('sends a body cursor back as a parameter until it is empty', async () => {
    const out = await pages('/cursor', {
      style: 'cursor',
      param: 'cursor',
      items: (body) => (body as { items: { id: string }[] }).items,
      next: (body) => (body as { meta: { next_cursor: string } }).meta.next_cursor,
    });
    expect(all(out)).toEqual(expected);
    expect(out.at(-1)!.next).toBeNull();
  });

  it('counts pages and offsets until a short page', async () => {
    const byPage = await pages('/page', {
      style: 'page',
      param: 'page',
      sizeParam: 'per_page',
      size: 10,
      items: (body) => (body as { data: { id: string }[] }).data,
    });
    expect(all(byPage)).toEqual(expected);
    expect(listing.seen).toEqual([
      '/page?per_page=10&page=1',
      '/page?per_page=10&page=2',
      '/page?per_page=10&page=3',
    ]);
    const byOffset = await pages('/offset', {
      style: 'offset',
      param: 'offset',
      limitParam: 'limit',
      limit: 10,
      items: (body) => (body as { rows: { id: string }[] }).rows,
    });
    expect(all(byOffset)).toEqual(expected);
  });

  it('follows a next URL the body gives', async () => {
    const out = await pages('/next-url', {
      style: 'next-url',
      items: (body) => (body as { results: { id: string }[] }).results,
      next: (body) => (body as { next: string | null }).next,
    });
    expect(all(out)).toEqual(expected);
  });

  it('throws a failed page as a ProviderError of its class', async () => {
    await expect(pages('/missing', { style: 'link' })).rejects.toMatchObject({
      name: 'ProviderError',
      failure: 'transient',
      details: { httpStatus: 500 },
    });
  });

  it('reads Link headers with several relations and parameters, and sets query parameters', () => {
    expect(nextLink('<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"')).toBe(
      'https://a/x?page=2',
    );
    expect(
      nextLink('<https://a/x?page=1>; rel="prev first", <https://a/x?page=3>; title="n"; rel="next"'),
    ).toBe('https://a/x?page=3');
    expect(nextLink('<https://a/x?page=5>; rel="last"')).toBeNull();
    expect(nextLink(null)).toBeNull();
    expect(withParam('/api/v1/users?limit=200', 'after', 'abc')).toBe('/api/v1/users?limit=200&after=abc');
    expect(withParam('https://h/api?x=1', 'x', 2)).toBe('https://h/api?x=2');
  });
});

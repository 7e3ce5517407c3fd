/**
 * The fake GitHub's HTTP conventions, from GitHub's REST documentation:
 * - "Getting started with the REST API": a request without a `User-Agent` is refused with a plain-text
 *   403; `Authorization: token …` and `Bearer …` both authenticate; `X-GitHub-Api-Version` selects
 *   the version (an unsupported one is a 400);
 * - "Rate limits for the REST API": `x-ratelimit-limit/-remaining/-used/-reset/-resource` on every
 *   answer; past the budget a 403 or 429 with `x-ratelimit-remaining: 0`; a secondary limit is a 403
 *   or 429 whose message says so, with `retry-after` when GitHub sends one;
 * - "Using pagination in the REST API": `per_page` (max 100, default 30) and `page`, or `before`/`after`
 *   cursors, with a `Link` header naming next/prev/first/last by absolute URL (ids, not names:
 *   `/organizations/{id}/repos?page=2`, as the documentation's example `/repositories/1300192/issues`);
 * - error bodies `{"message", "documentation_url", "status"}`.
 */
import type { ServerResponse } from 'node:http';

export const DOCS = 'https://docs.github.com/rest';
export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
export const SECONDARY_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

export const NO_USER_AGENT =
  'Request forbidden by administrative rules. Please make sure your request has a User-Agent header ' +
  '(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). ' +
  'Check https://developer.github.com for other possible causes.\n';

export const SUPPORTED_API_VERSIONS = ['2022-11-28'];

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** JSON unless `text` is set; absent for 204. */
  body?: unknown;
  text?: string;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body, headers };
}

export function error(status: number, message: string, documentationUrl = DOCS): Answer {
  return json(status, { message, documentation_url: documentationUrl, status: String(status) });
}

export const notFound = (documentationUrl = DOCS) => error(404, 'Not Found', documentationUrl);

export function send(res: ServerResponse, answer: Answer, common: Record<string, string>): void {
  const headers: Record<string, string> = { ...common, ...answer.headers };
  let payload = '';
  if (answer.text !== undefined) {
    payload = answer.text;
    headers['content-type'] = 'text/plain; charset=utf-8';
  } else if (answer.body !== undefined) {
    payload = JSON.stringify(answer.body);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['x-github-media-type'] = 'github.v3; format=json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers).end(payload);
}

export interface PageRequest {
  /** Where the Link URLs point: origin, API prefix and the canonical (id-based) path. */
  linkBase: string;
  query: URLSearchParams;
}

function perPage(query: URLSearchParams): number {
  const asked = Number(query.get('per_page') ?? 30);
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, 100) : 30;
}

function linkTo(request: PageRequest, set: Record<string, string>, drop: string[] = []): string {
  const query = new URLSearchParams(request.query);
  for (const name of drop) query.delete(name);
  for (const [name, value] of Object.entries(set)) query.set(name, value);
  return `${request.linkBase}?${query}`;
}

/** A page of `items` by `page`/`per_page`, with its `Link` header. */
export function pageOf<T>(items: T[], request: PageRequest, toJson: (item: T) => unknown): Answer {
  const size = perPage(request.query);
  const asked = Number(request.query.get('page') ?? 1);
  const page = Number.isInteger(asked) && asked >= 1 ? asked : 1;
  const last = Math.max(1, Math.ceil(items.length / size));
  const slice = items.slice((page - 1) * size, page * size);
  const links: string[] = [];
  const at = (p: number) => linkTo(request, { per_page: String(size), page: String(p) });
  if (page > 1) links.push(`<${at(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`);
  return json(200, slice.map(toJson), links.length > 0 ? { link: links.join(', ') } : {});
}

/** A page of `items` after/before an opaque cursor (the Dependabot alerts listing's style). */
export function cursorPageOf<T>(items: T[], request: PageRequest, toJson: (item: T) => unknown): Answer {
  const size = perPage(request.query);
  const decode = (cursor: string | null) =>
    cursor === null ? null : Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^v1:/, ''));
  const after = decode(request.query.get('after'));
  const before = decode(request.query.get('before'));
  let start = after === null || Number.isNaN(after) ? 0 : after;
  if (before !== null && !Number.isNaN(before)) start = Math.max(0, before - size);
  const slice = items.slice(start, start + size);
  const encode = (index: number) => Buffer.from(`v1:${index}`).toString('base64url');
  const links: string[] = [];
  if (start > 0)
    links.push(
      `<${linkTo(request, { per_page: String(size), before: encode(start) }, ['after'])}>; rel="prev"`,
    );
  if (start + size < items.length) {
    links.push(
      `<${linkTo(request, { per_page: String(size), after: encode(start + size) }, ['before'])}>; rel="next"`,
    );
  }
  return json(200, slice.map(toJson), links.length > 0 ? { link: links.join(', ') } : {});
}

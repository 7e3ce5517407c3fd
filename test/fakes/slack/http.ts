/**
 * Slack's Web API on the wire (docs.slack.dev, "Using the Slack Web API"): a method is
 * `https://slack.com/api/{method}`, called with GET (arguments in the query) or POST (arguments as
 * `application/x-www-form-urlencoded`, or `application/json` for a token in the header); the token
 * comes as `Authorization: Bearer …` or, in a query or form, as `token`. Every answer is JSON with a
 * boolean `ok`; a failure is `ok: false` with an `error` code, still HTTP 200, except rate limits
 * (HTTP 429, `Retry-After` seconds) and Slack's own outages (5xx).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SlackRequest {
  httpMethod: string;
  /** The API method (`users.list`), or the path when it is not under `/api/`. */
  method: string;
  /** The arguments: query and body merged, the token left out. */
  params: Record<string, unknown>;
  /** The bearer token or `token` argument, if any. */
  token: string | undefined;
  /** HTTP Basic credentials (oauth.v2.access takes the app's client id and secret so). */
  basic: { user: string; password: string } | undefined;
  /** The body could not be read as its content type says. */
  malformed: boolean;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export const ok = (body: Record<string, unknown> = {}): Answer => ({
  status: 200,
  body: { ok: true, ...body },
});

/** A Slack failure: HTTP 200, `ok: false`, the error code (and `needed`/`provided` for missing_scope). */
export const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({
  status: 200,
  body: { ok: false, error, ...extra },
});

function basicOf(header: string | undefined): SlackRequest['basic'] {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    user: decodeURIComponent(decoded.slice(0, colon)),
    password: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

async function bodyText(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export async function readRequest(req: IncomingMessage): Promise<SlackRequest> {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  let malformed = false;
  let jsonBody = false;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await bodyText(req);
  if (text !== '') {
    if (type === 'application/json') {
      jsonBody = true;
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          Object.assign(params, parsed);
        else malformed = true;
      } catch {
        malformed = true;
      }
    } else if (type === 'application/x-www-form-urlencoded') {
      Object.assign(params, Object.fromEntries(new URLSearchParams(text)));
    } else {
      malformed = true;
    }
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  // A JSON body cannot carry the token: Slack reads it from the header only.
  const argument = !jsonBody && typeof params.token === 'string' ? params.token : undefined;
  delete params.token;
  const path = url.pathname;
  return {
    httpMethod: req.method ?? 'GET',
    method: path.startsWith('/api/') ? path.slice('/api/'.length) : path,
    params,
    token: bearer ?? argument,
    basic: basicOf(req.headers.authorization),
    malformed,
  };
}

export function send(res: ServerResponse, answer: Answer, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(answer.body);
  res
    .writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
      ...answer.headers,
    })
    .end(text);
}

/** Slack's opaque cursors: base64 of `{kind}:{id of the next item}` (e.g. `dXNlcjpVMDYxTkZUVDI=`). */
export const encodeCursor = (kind: string, id: string) => Buffer.from(`${kind}:${id}`).toString('base64');

/** The id a cursor points at, or null when it is not one of this listing's. */
export function decodeCursor(cursor: string, kind: string): string | null {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  return text.startsWith(`${kind}:`) && encodeCursor(kind, text.slice(kind.length + 1)) === cursor
    ? text.slice(kind.length + 1)
    : null;
}

/** A boolean argument as Slack reads one (`true`, `1`). */
export const flag = (value: unknown) => value === true || value === 'true' || value === '1' || value === 1;

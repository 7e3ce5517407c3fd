/**
 * A provider API that lists records a page at a time, as most SaaS list endpoints do:
 * `GET /items?page=N&per_page=M` → `{ "data": [...], "next_page": N+1 | null }`, bearer-token auth,
 * 429 with Retry-After and 5xx on request. Tests script failures and hold pages to observe a run
 * mid-flight.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface PagedProvider {
  readonly url: string;
  /** Every list request, in order. */
  readonly requests: { page: number; perPage: number; authorization: string | null }[];
  /** How many records the provider has (ids `item-0` … `item-(n-1)`). */
  total: number;
  /** Changes a record's content, so the next sync sees it updated. */
  touch(index: number): void;
  /** The next requests answer these failures, in order. */
  failNext(...failures: ScriptedFailure[]): void;
  /** Requests for this page wait until `release()`; resolves when the first such request arrives. */
  hold(page: number): Promise<void>;
  /** Pages of held requests the client gave up on (closed) before they were answered. */
  readonly abandoned: number[];
  release(): void;
  close(): Promise<void>;
}

export interface PagedItem {
  id: string;
  name: string;
  revision: number;
  owner: string;
  tags: string[];
}

export function pagedItem(index: number, revision = 0): PagedItem {
  return {
    id: `item-${index}`,
    name: `Item ${index}`,
    revision,
    owner: `user-${index % 97}@example.com`,
    tags: [`team-${index % 7}`, index % 2 === 0 ? 'even' : 'odd'],
  };
}

export async function startPagedProvider(options: { total: number; token?: string }): Promise<PagedProvider> {
  const revisions = new Map<number, number>();
  const failures: ScriptedFailure[] = [];
  const requests: PagedProvider['requests'] = [];
  const abandoned: number[] = [];
  let held: { page: number; arrived: () => void; waiting: (() => void)[] } | undefined;
  const state = { total: options.total };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://provider');
    if (url.pathname !== '/items') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Number(url.searchParams.get('per_page') ?? '100');
    const authorization = req.headers.authorization ?? null;
    requests.push({ page, perPage, authorization });
    if (options.token && authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
      return;
    }
    const failure = failures.shift();
    if (failure) {
      res
        .writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers })
        .end(failure.body ?? `{"error":"HTTP ${failure.status}"}`);
      return;
    }
    if (held && held.page === page) {
      const gate = held;
      res.on('close', () => {
        if (!res.writableEnded) abandoned.push(page);
      });
      gate.arrived();
      await new Promise<void>((resolve) => gate.waiting.push(resolve));
    }
    const start = (page - 1) * perPage;
    const end = Math.min(start + perPage, state.total);
    const data: PagedItem[] = [];
    for (let i = start; i < end; i++) data.push(pagedItem(i, revisions.get(i) ?? 0));
    const body = JSON.stringify({ data, next_page: end < state.total ? page + 1 : null });
    // With its length, as typical list APIs answer (writeHead alone would make Node send it chunked).
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      .end(body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    const gate = held;
    held = undefined;
    for (const resume of gate?.waiting ?? []) resume();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    abandoned,
    get total() {
      return state.total;
    },
    set total(value: number) {
      state.total = value;
    },
    touch(index) {
      revisions.set(index, (revisions.get(index) ?? 0) + 1);
    },
    failNext(...next) {
      failures.push(...next);
    },
    hold(page) {
      return new Promise<void>((arrived) => {
        held = { page, arrived, waiting: [] };
      });
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A connector for the paged fake provider: what a typical REST connector looks like. It pages
 * through `/items`, resumes from the saved page, and turns error responses into ProviderErrors.
 */
import {
  type Connector,
  type ConnectorContext,
  type ConnectorDefinition,
  providerErrorFrom,
  type SyncBatch,
  type SyncContext,
  type TestOutcome,
} from '../../src/connectors/sdk.js';
import type { PagedItem } from './paged-provider.js';

export type PagedConfig = { base_url: string; api_token: string; per_page?: number };

export const pagedDefinition: ConnectorDefinition = {
  slug: 'paged-fake',
  name: 'Paged fake',
  provider: 'paged_fake',
  category: 'custom',
  shortDescription: 'A paginated REST provider on loopback, for tests and benches.',
  description: 'Lists items a page at a time with bearer-token auth.',
  iconUrl: 'https://example.com/icon.svg',
  authType: 'api_key',
  configSchema: {
    type: 'object',
    required: ['base_url', 'api_token'],
    additionalProperties: false,
    properties: {
      base_url: { type: 'string', format: 'uri' },
      api_token: { type: 'string', format: 'password', minLength: 1 },
      per_page: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    },
  },
  capabilities: ['sync_resources'],
  entities: [{ name: 'items', description: 'Items' }],
  version: '1.0.0',
  tags: ['test'],
  // No origin of its own: the config's required base_url says where the fake was started.
  api: {
    baseUrl: () => undefined,
    credential: { kind: 'header', header: 'authorization', prefix: 'Bearer ', field: 'api_token' },
    headers: { accept: 'application/json' },
  },
};

export class PagedConnector implements Connector<PagedConfig> {
  readonly definition = pagedDefinition;

  async test(ctx: ConnectorContext<PagedConfig>): Promise<TestOutcome> {
    const response = await ctx.fetch('/items?page=1&per_page=1');
    if (response.status === 401)
      return { ok: false, errorType: 'auth_error', message: 'Invalid token', httpStatus: 401 };
    if (!response.ok)
      return {
        ok: false,
        errorType: 'provider_error',
        message: `HTTP ${response.status}`,
        httpStatus: response.status,
      };
    await response.discard();
    return { ok: true, message: 'Connected', details: {} };
  }

  async *sync(ctx: SyncContext<PagedConfig>): AsyncIterable<SyncBatch> {
    const perPage = ctx.config.per_page ?? 100;
    // The cursor is the next page to read; a finished listing keeps pointing past its end.
    let page: number | null = Number(ctx.cursors.items ?? '1');
    while (page !== null) {
      const response = await ctx.fetch(`/items?page=${page}&per_page=${perPage}`, {
        signal: ctx.signal,
      });
      if (!response.ok) throw await providerErrorFrom(response, `Listing items (page ${page})`);
      const body = (await response.json()) as { data: PagedItem[]; next_page: number | null };
      const next: number | null = body.next_page;
      yield {
        entity: 'items',
        records: body.data.map((item) => ({ id: item.id, data: { ...item } })),
        // At the end, resume from the last page: records appended later land there.
        cursor: String(next ?? page),
      };
      page = next;
    }
  }
}

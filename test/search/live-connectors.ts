/**
 * Connectors whose live search a test controls: one answers at once (a fresh record beside a stored
 * one), one never answers until its signal is aborted, one fails. Each syncs a record of its own.
 */
import {
  type Connector,
  type ConnectorDefinition,
  type LiveSearchQuery,
  ProviderError,
  type SearchHit,
  type SyncBatch,
} from '../../src/connectors/sdk.js';

function definition(slug: string): ConnectorDefinition {
  return {
    slug,
    name: `Live ${slug}`,
    provider: slug,
    category: 'custom',
    shortDescription: 'Searches live, for tests.',
    description: 'A test connector with a live search the test controls.',
    iconUrl: 'https://example.com/icon.svg',
    authType: 'none',
    configSchema: { type: 'object', properties: {} },
    capabilities: ['sync_resources', 'search'],
    entities: [{ name: 'items', description: 'Items' }],
    version: '1.0.0',
    tags: ['test'],
  };
}

abstract class LiveConnector implements Connector {
  abstract readonly definition: ConnectorDefinition;
  /** The queries its search was called with. */
  readonly queries: LiveSearchQuery[] = [];

  constructor(private readonly records: SyncBatch['records']) {}

  async test() {
    return { ok: true as const, message: 'Connected', details: {} };
  }

  async *sync(): AsyncIterable<SyncBatch> {
    yield { entity: 'items', records: this.records };
  }

  abstract search(ctx: { signal: AbortSignal }, query: LiveSearchQuery): Promise<SearchHit[]>;
}

/** Answers at once: a record the syncs never stored, then one they did (with newer data). */
export class InstantConnector extends LiveConnector {
  readonly definition = definition('live-instant');

  async search(_ctx: { signal: AbortSignal }, query: LiveSearchQuery): Promise<SearchHit[]> {
    this.queries.push(query);
    return [
      {
        entity: 'items',
        id: 'fresh',
        title: 'Fresh hedgehog',
        data: { id: 'fresh', title: 'Fresh hedgehog' },
      },
      {
        entity: 'items',
        id: 'i1',
        title: 'Stored hedgehog',
        data: { id: 'i1', title: 'Stored hedgehog', v: 2 },
      },
    ].slice(0, query.limit);
  }
}

/** Never answers; rejects when its signal is aborted, keeping why. */
export class HangingConnector extends LiveConnector {
  readonly definition = definition('live-hanging');
  abortedWith: unknown;

  search(ctx: { signal: AbortSignal }, query: LiveSearchQuery): Promise<SearchHit[]> {
    this.queries.push(query);
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        this.abortedWith = ctx.signal.reason;
        reject(ctx.signal.reason);
      });
    });
  }
}

/** The provider refuses. */
export class BrokenConnector extends LiveConnector {
  readonly definition = definition('live-broken');

  async search(_ctx: { signal: AbortSignal }, query: LiveSearchQuery): Promise<SearchHit[]> {
    this.queries.push(query);
    throw new ProviderError('transient', 'HTTP 503 from the provider', { httpStatus: 503 });
  }
}

import type { Connector, ConnectorDefinition, SyncBatch } from '../../src/connectors/sdk.js';

const definition: ConnectorDefinition = {
  slug: 'scripted',
  name: 'Scripted',
  provider: 'scripted',
  category: 'custom',
  shortDescription: 'Yields the batches a test gives it.',
  description: 'A test connector whose sync yields exactly the batches the test scripted.',
  iconUrl: 'https://example.com/icon.svg',
  authType: 'none',
  configSchema: { type: 'object', properties: {} },
  capabilities: ['sync_resources'],
  entities: [{ name: 'items', description: 'Items' }],
  version: '1.0.0',
  tags: ['test'],
};

/** A connector that calls nothing: each sync yields `batches`, as the test set them. */
export class ScriptedConnector implements Connector {
  readonly definition = definition;
  batches: SyncBatch[] = [];

  async test() {
    return { ok: true as const, message: 'Connected', details: {} };
  }

  async *sync(): AsyncIterable<SyncBatch> {
    yield* this.batches;
  }
}

import type {
  Connector,
  ConnectorContext,
  StoredRecords,
  SyncBatch,
  SyncContext,
  TestOutcome,
} from '../sdk.js';
import { customHttpTest } from './check.js';
import { customHttpDefinition } from './definition.js';
import { customHttpPreview, customHttpPreviewSchema } from './preview.js';
import type { CustomHttpConfig } from './schema.js';
import { customHttpSync } from './sync.js';

/** Any JSON REST API, its listings, auth and pagination described by the connection's config. */
export class CustomHttpConnector implements Connector<CustomHttpConfig> {
  readonly definition = customHttpDefinition;
  readonly previewSchema = customHttpPreviewSchema;

  test(ctx: ConnectorContext<CustomHttpConfig>): Promise<TestOutcome> {
    return customHttpTest(ctx);
  }

  sync(ctx: SyncContext<CustomHttpConfig>): AsyncIterable<SyncBatch> {
    return customHttpSync(ctx);
  }

  preview(records: StoredRecords, config: CustomHttpConfig): Promise<Record<string, unknown>> {
    return customHttpPreview(records, config);
  }
}

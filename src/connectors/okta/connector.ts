import type {
  Connector,
  ConnectorContext,
  StoredRecords,
  SyncBatch,
  SyncContext,
  TestOutcome,
} from '../sdk.js';
import { oktaHealthCheck, oktaTest } from './check.js';
import { type OktaConfig, oktaDefinition } from './definition.js';
import { oktaPreview, oktaPreviewSchema } from './preview.js';
import { oktaSync } from './sync.js';
import { oktaWebhooks } from './webhooks.js';

/** Okta's Management API, read with an SSWS API token (read-only administrator). */
export class OktaConnector implements Connector<OktaConfig> {
  readonly definition = oktaDefinition;

  test(ctx: ConnectorContext<OktaConfig>): Promise<TestOutcome> {
    return oktaTest(ctx);
  }

  healthCheck(ctx: ConnectorContext<OktaConfig>): Promise<TestOutcome> {
    return oktaHealthCheck(ctx);
  }

  sync(ctx: SyncContext<OktaConfig>): AsyncIterable<SyncBatch> {
    return oktaSync(ctx);
  }

  preview(records: StoredRecords): Promise<Record<string, unknown>> {
    return oktaPreview(records);
  }

  readonly previewSchema = oktaPreviewSchema;

  /** Event hooks: the shared secret in `Authorization`, and each event's users, groups and apps read again. */
  readonly webhooks = oktaWebhooks;
}

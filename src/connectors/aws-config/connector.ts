import type {
  Connector,
  ConnectorAction,
  ConnectorContext,
  StoredRecords,
  SyncBatch,
  SyncContext,
  TestOutcome,
} from '../sdk.js';
import { awsConfigHealthCheck, awsConfigTest } from './check.js';
import { type AwsConfigConfig, awsConfigDefinition } from './definition.js';
import { awsConfigPreview, awsConfigPreviewSchema } from './preview.js';
import { realWait, type Wait } from './retry.js';
import { startRulesEvaluation } from './scan.js';
import { awsConfigSync } from './sync.js';

export interface AwsConfigConnectorOptions {
  /**
   * How the connector's own waits (throttling and server-error backoff) are taken; tests pass a
   * recording one so a scripted ThrottlingException takes no time.
   */
  wait?: Wait;
}

/** AWS Config through the AWS SDK v3, on the engine's guarded fetch, signing with SigV4. */
export class AwsConfigConnector implements Connector<AwsConfigConfig> {
  readonly definition = awsConfigDefinition;
  readonly previewSchema = awsConfigPreviewSchema;
  readonly actions: Record<string, ConnectorAction<AwsConfigConfig, never, unknown>>;
  readonly #wait: Wait;

  constructor(options: AwsConfigConnectorOptions = {}) {
    this.#wait = options.wait ?? realWait;
    this.actions = { startRulesEvaluation: startRulesEvaluation(this.#wait) };
  }

  test(ctx: ConnectorContext<AwsConfigConfig>): Promise<TestOutcome> {
    return awsConfigTest(ctx, this.#wait);
  }

  healthCheck(ctx: ConnectorContext<AwsConfigConfig>): Promise<TestOutcome> {
    return awsConfigHealthCheck(ctx, this.#wait);
  }

  sync(ctx: SyncContext<AwsConfigConfig>): AsyncIterable<SyncBatch> {
    return awsConfigSync(ctx, this.#wait);
  }

  async preview(records: StoredRecords): Promise<Record<string, unknown>> {
    return { ...(await awsConfigPreview(records)) };
  }
}

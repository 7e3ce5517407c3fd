import type {
  Connector,
  ConnectorContext,
  ConnectorWebhooks,
  StoredRecords,
  SyncBatch,
  SyncContext,
  TestOutcome,
} from '../sdk.js';
import { githubHealthCheck, githubTest } from './check.js';
import { realWait, type Wait } from './client.js';
import { type GitHubConfig, githubDefinition } from './definition.js';
import { githubPreview, githubPreviewSchema } from './preview.js';
import { githubSync } from './sync.js';
import { githubWebhooks } from './webhooks.js';

export interface GitHubConnectorOptions {
  /**
   * How waits Octokit decides on (a secondary rate limit's `retry-after`, a server error's backoff)
   * are taken; tests pass a recording one so a scripted limit takes no time.
   */
  wait?: Wait;
}

/** GitHub.com and GitHub Enterprise Server through Octokit, on the engine's guarded fetch. */
export class GitHubConnector implements Connector<GitHubConfig> {
  readonly definition = githubDefinition;
  readonly #wait: Wait;
  /** Organization webhooks: `X-Hub-Signature-256`, and the repositories and people events change read again. */
  readonly webhooks: ConnectorWebhooks<GitHubConfig>;

  constructor(options: GitHubConnectorOptions = {}) {
    this.#wait = options.wait ?? realWait;
    this.webhooks = githubWebhooks(this.#wait);
  }

  test(ctx: ConnectorContext<GitHubConfig>): Promise<TestOutcome> {
    return githubTest(ctx, this.#wait);
  }

  healthCheck(ctx: ConnectorContext<GitHubConfig>): Promise<TestOutcome> {
    return githubHealthCheck(ctx, this.#wait);
  }

  sync(ctx: SyncContext<GitHubConfig>): AsyncIterable<SyncBatch> {
    return githubSync(ctx, this.#wait);
  }

  async preview(records: StoredRecords): Promise<Record<string, unknown>> {
    return { ...(await githubPreview(records)) };
  }

  readonly previewSchema = githubPreviewSchema;
}

import type {
  Connector,
  ConnectorContext,
  LiveSearchQuery,
  SearchHit,
  StoredRecords,
  SyncBatch,
  SyncContext,
  TestOutcome,
} from '../sdk.js';
import { demoCounts } from './data.js';
import { DEMO_DEFAULTS, type DemoConfig, demoDefinition } from './definition.js';
import { demoFailure } from './failures.js';
import { demoPreview, demoPreviewSchema } from './preview.js';
import { demoSearch } from './search.js';
import { demoSync } from './sync.js';

const PERMISSIONS = ['users.read', 'groups.read', 'group_memberships.read', 'repositories.read'];

/** A provider with no external service: it answers from generated data and fails when told to. */
export class DemoConnector implements Connector<DemoConfig> {
  readonly definition = demoDefinition;
  // Numbers each operation's calls so `failure_rate` fails a fraction of them rather than all or
  // none; per instance, so a fresh connector replays the same sequence.
  readonly #calls = new Map<string, number>();

  async test(ctx: ConnectorContext<DemoConfig>): Promise<TestOutcome> {
    const started = performance.now();
    ctx.signal.throwIfAborted();
    const { config } = ctx;
    if (typeof config.api_token !== 'string' || config.api_token.trim() === '') {
      return {
        ok: false,
        errorType: 'auth_error',
        httpStatus: 401,
        message: 'Authentication failed: no API token. Enter any value as the Demo API token.',
        providerMessage: 'Missing API token',
      };
    }
    if (config.fail_auth === true) {
      return {
        ok: false,
        errorType: 'auth_error',
        httpStatus: 401,
        message:
          'Authentication failed: Invalid API token. This demo connection is set to reject its token ' +
          '(fail_auth); turn that off to connect.',
        providerMessage: 'Invalid API token',
      };
    }
    const failure = demoFailure(config, 'test', this.#next('test'));
    if (failure) {
      ctx.logger.info(
        { error_type: failure.errorType, http_status: failure.httpStatus },
        'demo provider failed as its failure_rate asks',
      );
      return {
        ok: false,
        ...failure,
        message:
          failure.errorType === 'rate_limited'
            ? 'Rate limited by Demo: retry after 30 seconds.'
            : `Demo returned an error (HTTP ${failure.httpStatus}): ${failure.providerMessage}.`,
      };
    }
    const counts = demoCounts(config);
    return {
      ok: true,
      message:
        `Successfully authenticated with Demo (${config.domain ?? DEMO_DEFAULTS.domain}). ` +
        `Users: ${counts.users}. Groups: ${counts.groups}. Repositories: ${counts.repositories}.`,
      details: {
        provider_response_time_ms: Math.round(performance.now() - started),
        provider_version: demoDefinition.version,
        permissions_verified: PERMISSIONS,
        counts,
      },
    };
  }

  sync(ctx: SyncContext<DemoConfig>): AsyncIterable<SyncBatch> {
    return demoSync(ctx, () => this.#next('sync'));
  }

  preview(records: StoredRecords): Promise<Record<string, unknown>> {
    return demoPreview(records);
  }

  readonly previewSchema = demoPreviewSchema;

  search(ctx: ConnectorContext<DemoConfig>, query: LiveSearchQuery): Promise<SearchHit[]> {
    return demoSearch(ctx, query);
  }

  #next(operation: string): number {
    const sequence = this.#calls.get(operation) ?? 0;
    this.#calls.set(operation, sequence + 1);
    return sequence;
  }
}

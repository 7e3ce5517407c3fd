import { type FailedItem, ProviderError, type SyncBatch, type SyncContext, type SyncRecord } from '../sdk.js';
import { DEMO_ENTITIES, type DemoUser, demoCounts, demoPage } from './data.js';
import { DEMO_DEFAULTS, type DemoConfig } from './definition.js';
import { demoFailure } from './failures.js';
import { hashKey } from './random.js';

/** Records per page, as a provider's list endpoint would return them. */
export const DEMO_PAGE_SIZE = 100;

/** Whether the demo provider hands back record `id` in a shape the engine must reject (item_failure_rate). */
function invalidItem(config: DemoConfig, id: string): boolean {
  const rate = config.item_failure_rate ?? DEMO_DEFAULTS.item_failure_rate;
  return rate > 0 && hashKey(`${config.seed ?? DEMO_DEFAULTS.seed}:item:${id}`) / 4294967296 < rate;
}

/** MFA coverage of active users, gathered while their pages stream by: the demo's evidence. */
class MfaTally {
  active = 0;
  withMfa = 0;

  add(user: DemoUser): void {
    if (user.status !== 'active') return;
    this.active += 1;
    if (user.mfa_enabled) this.withMfa += 1;
  }
}

/**
 * Streams every entity a page at a time, resuming each from its cursor (the offset of the next
 * record). `sequence` numbers the page requests so `failure_rate` fails a known fraction of them.
 */
export async function* demoSync(
  ctx: SyncContext<DemoConfig>,
  nextSequence: () => number,
): AsyncGenerator<SyncBatch> {
  const { config } = ctx;
  const counts = demoCounts(config);
  for (const entity of DEMO_ENTITIES) {
    let offset = Number(ctx.cursors[entity] ?? 0);
    const tally = entity === 'users' && offset === 0 ? new MfaTally() : undefined;
    while (offset < counts[entity]) {
      ctx.signal.throwIfAborted();
      if (config.fail_auth === true) {
        throw new ProviderError('authentication', 'Demo rejected the API token (fail_auth is set)', {
          httpStatus: 401,
        });
      }
      const failure = demoFailure(config, 'sync', nextSequence());
      if (failure) {
        throw new ProviderError(
          'transient',
          `Demo returned HTTP ${failure.httpStatus} listing ${entity}: ${failure.providerMessage}`,
          {
            httpStatus: failure.httpStatus,
            providerMessage: failure.providerMessage,
            ...(failure.errorType === 'rate_limited' ? { retryAfterMs: 30_000 } : {}),
          },
        );
      }
      const page = demoPage(config, entity, offset, DEMO_PAGE_SIZE);
      const records: SyncRecord[] = [];
      const failed: FailedItem[] = [];
      for (const record of page) {
        if (invalidItem(config, record.id)) {
          failed.push({
            item: `${entity}:${record.id}`,
            error: 'Missing required field: department',
            details: { id: record.id, missing_fields: ['department'] },
          });
          continue;
        }
        if (tally && 'mfa_enabled' in record) tally.add(record);
        records.push({ id: record.id, data: { ...record } });
      }
      offset += page.length;
      const last = offset >= counts[entity];
      yield {
        entity,
        records,
        failed,
        cursor: String(offset),
        evidence:
          tally && last
            ? [
                {
                  kind: 'mfa_coverage',
                  summary: `${tally.withMfa} of ${tally.active} active users have MFA enabled`,
                  data: { active_users: tally.active, with_mfa: tally.withMfa },
                },
              ]
            : [],
      };
    }
  }
}

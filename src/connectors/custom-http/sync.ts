/**
 * The sync: each entity listed in turn through the toolkit's pagination, a page a batch, with the
 * entity's cursor after each page. Records without an id fail alone (the run ends partial); an
 * answer that is not JSON, or has no list at records_path, fails the run naming the entity.
 */
import type { ProviderFetch } from '../../platform/outbound/provider-fetch.js';
import {
  type ConnectorContext,
  ProviderError,
  providerErrorFrom,
  type SyncBatch,
  type SyncContext,
} from '../sdk.js';
import { apiBaseUrl } from '../toolkit/context.js';
import { paginate } from '../toolkit/pagination.js';
import { cursorText, planListing } from './cursor.js';
import { customHttpDefinition } from './definition.js';
import { listingOf } from './listing.js';
import { highestMark, recordsOf } from './records.js';
import type { CustomHttpConfig, EntityConfig } from './schema.js';

type Ctx = ConnectorContext<CustomHttpConfig>;

/** `ctx.fetch` with the config's extra headers on every request. */
export function withExtraHeaders(ctx: Ctx): ProviderFetch {
  const extra = ctx.config.headers ?? {};
  return (path, init = {}) => ctx.fetch(path, { ...init, headers: { ...extra, ...init.headers } });
}

/**
 * A page's `next` as a resume point: relative to the base URL where it is under it (Link headers
 * give absolute URLs), so the cursor survives a change of base_url's host.
 */
function resumePoint(next: string, base: URL): string {
  return next.startsWith(base.href) ? next.slice(base.href.length) : next;
}

function notJson(entity: EntityConfig, request: string, error: SyntaxError): ProviderError {
  return new ProviderError(
    'permanent',
    `Listing ${entity.name} failed: the answer to GET ${request} is not JSON (${error.message})`,
  );
}

async function* syncEntity(
  ctx: SyncContext<CustomHttpConfig>,
  entity: EntityConfig,
): AsyncGenerator<SyncBatch> {
  const plan = planListing(ctx, entity);
  if (plan.done) {
    // Listed by an earlier attempt: an empty batch still counts it as seen in this run, so that
    // the engine marks what vanished from it deleted.
    yield { entity: entity.name, records: [], cursor: ctx.cursors[entity.name] ?? null };
    return;
  }
  const { start, pagination } = listingOf(entity, plan.since);
  const base = apiBaseUrl(customHttpDefinition, ctx.config);
  const what = `Listing ${entity.name}`;
  let request = plan.resume ?? start;
  let high = plan.high;
  let position = 1;
  let failures = 0;
  ctx.runLog.log('info', `${what} from ${request}`, {
    details: { entity: entity.name, resumed: plan.resume !== null, since: plan.since },
    source: `custom_http.${entity.name}`,
  });
  const pages = paginate(withExtraHeaders(ctx), request, pagination, (response) =>
    providerErrorFrom(response, what),
  );
  try {
    for await (const page of pages) {
      const { records, failed } = recordsOf(entity, page.items, position);
      position += page.items.length;
      failures += failed.length;
      if (entity.incremental) high = highestMark(high, records, entity.incremental.field);
      const next = page.next === null ? null : resumePoint(page.next, base);
      if (next !== null) request = next;
      yield { entity: entity.name, records, failed, cursor: cursorText({ next, high }) };
    }
  } catch (error) {
    // Only JSON.parse throws a SyntaxError here: a 2xx answer whose body is not JSON.
    if (error instanceof SyntaxError) throw notJson(entity, request, error);
    throw error;
  }
  ctx.runLog.log('info', `Listed ${position - 1} ${entity.name} (${failures} without an id)`, {
    details: { entity: entity.name, listed: position - 1, failed: failures },
    source: `custom_http.${entity.name}`,
  });
}

export async function* customHttpSync(ctx: SyncContext<CustomHttpConfig>): AsyncGenerator<SyncBatch> {
  ctx.signal.throwIfAborted();
  for (const entity of ctx.config.entities) yield* syncEntity(ctx, entity);
}

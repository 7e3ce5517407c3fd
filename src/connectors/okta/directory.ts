/** Groups and applications: listed in full each run, a page a batch (List Groups, List Applications). */
import type { ProviderPage, SyncBatch, SyncContext, SyncRecord } from '../sdk.js';
import { oktaPage, PAGE_SIZE, PATHS, withQuery } from './client.js';
import { COMPLETE, resumeListing } from './cursor.js';
import { type OktaObject, withoutLinks } from './okta-types.js';

interface Listing {
  entity: string;
  start: string;
  what: string;
}

// Okta advises at most 200 groups a page (more "affects performance and accuracy").
export const GROUPS: Listing = {
  entity: 'groups',
  start: withQuery(PATHS.groups, { limit: PAGE_SIZE }),
  what: 'Listing Okta groups',
};
export const APPLICATIONS: Listing = {
  entity: 'applications',
  start: withQuery(PATHS.apps, { limit: PAGE_SIZE }),
  what: 'Listing Okta applications',
};

/** A group or an application as stored: Okta's object without its links. */
export function directoryRecord(item: OktaObject): SyncRecord {
  return { id: item.id, data: withoutLinks(item) };
}

export async function* syncListing(ctx: SyncContext<unknown>, listing: Listing): AsyncGenerator<SyncBatch> {
  const resume = resumeListing(ctx, listing.entity);
  if (resume.skip) return;
  let request: string | null = resume.from ?? listing.start;
  let total = 0;
  while (request !== null) {
    const page: ProviderPage<OktaObject> = await oktaPage<OktaObject>(ctx, request, listing.what);
    request = page.next;
    total += page.items.length;
    if (request === null) {
      ctx.runLog.log('info', `Synced ${total} ${listing.entity}`, {
        details: { synced: total },
        source: `okta_connector.sync_${listing.entity}`,
      });
    }
    yield {
      entity: listing.entity,
      records: page.items.map(directoryRecord),
      cursor: request ?? COMPLETE,
    };
  }
}

/**
 * The resources AWS Config records in a region: their types with a count (GetDiscoveredResourceCounts),
 * then each type's resources (ListDiscoveredResources, which takes one type a request), both 100 a
 * page, the documented maximum.
 */
import {
  GetDiscoveredResourceCountsCommand,
  ListDiscoveredResourcesCommand,
  type ResourceIdentifier,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import type { AwsSession } from './session.js';

export const RESOURCES_PER_PAGE = 100;

/** The resource types recorded in the region, sorted (a stable order to resume in). */
export async function discoveredTypes(session: AwsSession, region: string): Promise<ResourceType[]> {
  const types = new Set<ResourceType>();
  let next: string | undefined;
  do {
    const token = next;
    const page = await session.call(`Counting the resources AWS Config records in ${region}`, () =>
      session
        .config(region)
        .send(new GetDiscoveredResourceCountsCommand({ limit: RESOURCES_PER_PAGE, nextToken: token })),
    );
    for (const count of page.resourceCounts ?? []) {
      if (count.resourceType && (count.count ?? 0) > 0) types.add(count.resourceType);
    }
    next = page.nextToken || undefined;
  } while (next);
  return [...types].sort();
}

export interface ResourcePage {
  resources: ResourceIdentifier[];
  next: string | null;
}

/** The type's resources, a page at a time, from `from` (a nextToken) or the first page. */
export async function* resourcePages(
  session: AwsSession,
  region: string,
  type: ResourceType,
  from: string | null = null,
): AsyncGenerator<ResourcePage> {
  let next = from;
  do {
    const token = next ?? undefined;
    const page = await session.call(`Listing the ${type} resources of ${region}`, () =>
      session.config(region).send(
        new ListDiscoveredResourcesCommand({
          resourceType: type,
          limit: RESOURCES_PER_PAGE,
          nextToken: token,
        }),
      ),
    );
    next = page.nextToken || null;
    yield { resources: (page.resourceIdentifiers ?? []).filter((r) => r.resourceId), next };
  } while (next);
}

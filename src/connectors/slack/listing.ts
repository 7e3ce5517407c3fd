/**
 * Slack's cursor-paginated listings (docs.slack.dev, "Pagination") as resumable streams: each page
 * names the next one's cursor in `response_metadata.next_cursor`, empty after the last, and may hold
 * fewer items than `limit` before the end. The entity's cursor is that next cursor mid-listing, and
 * COMPLETE once it is listed. Slack offers no "changed since" filter for members or channels, so an
 * incremental sync lists them again from the start (the engine stores only what changed); a full
 * sync's cursors are its own earlier attempts', where COMPLETE means this run already listed it.
 */
import type { SyncContext } from '../sdk.js';
import { slackRefusal } from './errors.js';

export const COMPLETE = 'complete';

/** Slack's advice: 100 to 200 items a page ("Pagination"; users.list: "no more than 200"). */
export const PAGE_SIZE = 200;

export interface SlackPage<T> {
  items: T[];
  /** The next page's cursor; undefined after the last. */
  next: string | undefined;
}

export interface ListingPage<T> {
  items: T[];
  /** Where the entity resumes after this page. */
  cursor: string;
  last: boolean;
  /** This run listed the entity from its first page (what evidence needs). */
  fromStart: boolean;
}

/** The next cursor of a page as Slack gives it: an empty, null or absent one ends the listing. */
export const nextCursor = (metadata: { next_cursor?: string } | undefined) =>
  metadata?.next_cursor || undefined;

/**
 * The pages of `entity` from where this run starts it. A cursor Slack no longer accepts
 * (`invalid_cursor`: cursors expire) starts the listing over instead of failing the run.
 */
export async function* resumableListing<T>(
  ctx: SyncContext<unknown>,
  entity: string,
  page: (cursor: string | undefined) => Promise<SlackPage<T>>,
): AsyncGenerator<ListingPage<T>> {
  const saved = ctx.cursors[entity];
  if (saved === COMPLETE && ctx.fullSync) return;
  let cursor = saved === COMPLETE || saved === '' ? undefined : saved;
  let fromStart = cursor === undefined;
  // Only the saved cursor may have expired: one Slack just gave is good.
  let resuming = !fromStart;
  for (;;) {
    let found: SlackPage<T>;
    try {
      found = await page(cursor);
    } catch (error) {
      if (!resuming || slackRefusal(error)?.code !== 'invalid_cursor') throw error;
      ctx.runLog.log(
        'warn',
        `Slack no longer accepts the saved ${entity} cursor: listing ${entity} again from the start`,
        {
          source: `slack.${entity}`,
        },
      );
      cursor = undefined;
      fromStart = true;
      resuming = false;
      continue;
    }
    resuming = false;
    const last = found.next === undefined;
    yield { items: found.items, cursor: found.next ?? COMPLETE, last, fromStart };
    if (last) return;
    cursor = found.next;
  }
}

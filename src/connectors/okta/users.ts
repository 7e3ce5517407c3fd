/**
 * Users with their enrolled factors (List Users, List Factors). A first or full sync lists every
 * user; an incremental one asks only for users whose `lastUpdated` is after the previous listing
 * began (`filter=lastUpdated gt "…"`, which, unlike the plain listing, includes DEPROVISIONED users).
 * The plain listing leaves DEPROVISIONED users out, so `sync_deprovisioned` adds a second listing,
 * `filter=status eq "DEPROVISIONED"`; without it, deprovisioned users are skipped.
 */
import pMap from 'p-map';
import type { ConnectorContext, SyncBatch, SyncContext, SyncRecord } from '../sdk.js';
import { oktaGetOrNull, oktaPage, PAGE_SIZE, PATHS, withQuery } from './client.js';
import type { OktaConfig } from './definition.js';
import { UserPosture } from './evidence.js';
import {
  DEPROVISIONED,
  isRecord,
  type OktaFactor,
  type OktaUser,
  oktaObjects,
  type StoredFactor,
  withoutLinks,
} from './okta-types.js';

const ENTITY = 'users';
/** Factor listings in flight at once: a page's 200 users one after another took 200 round trips. */
const FACTOR_REQUESTS_AT_ONCE = 8;
const SOURCE = 'okta_connector.sync_users';
/**
 * How far before a listing's start the next incremental one looks back: covers clock skew between
 * this host and Okta, and users changed while the listing ran.
 */
export const LOOKBACK_MS = 5 * 60_000;

const ALL_USERS = withQuery(PATHS.users, { limit: PAGE_SIZE });
const DEPROVISIONED_USERS = withQuery(PATHS.users, {
  limit: PAGE_SIZE,
  filter: `status eq "${DEPROVISIONED}"`,
});
const changedSince = (since: string) =>
  withQuery(PATHS.users, { limit: PAGE_SIZE, filter: `lastUpdated gt "${since}"` });

/**
 * The users cursor: the request to resume at (null once listed), the listings still to run after
 * it, and where the next incremental sync starts from.
 */
interface UsersCursor {
  next: string | null;
  queued: string[];
  since: string;
}

function parseCursor(text: string | undefined): UsersCursor | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value)) return null;
    const { next, queued, since } = value;
    if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) return null;
    if (next !== null && typeof next !== 'string') return null;
    if (!Array.isArray(queued) || !queued.every((t) => typeof t === 'string')) return null;
    return { next, queued, since };
  } catch {
    return null;
  }
}

const lookback = () => new Date(Date.now() - LOOKBACK_MS).toISOString();

/** What this run lists, from where; null when this run already listed every user. */
function plan(ctx: SyncContext<OktaConfig>): (UsersCursor & { fromStart: boolean }) | null {
  const saved = parseCursor(ctx.cursors[ENTITY]);
  if (saved?.next) return { ...saved, fromStart: false };
  if (saved && ctx.fullSync) return null;
  if (saved) return { next: changedSince(saved.since), queued: [], since: lookback(), fromStart: false };
  const queued = ctx.config.sync_deprovisioned === true ? [DEPROVISIONED_USERS] : [];
  return { next: ALL_USERS, queued, since: lookback(), fromStart: true };
}

function storedFactor(factor: OktaFactor): StoredFactor {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    id: factor.id,
    factorType: text(factor.factorType),
    provider: text(factor.provider),
    vendorName: text(factor.vendorName),
    status: text(factor.status),
    created: text(factor.created),
    lastUpdated: text(factor.lastUpdated),
  };
}

/** A user's factors; null when the user was deleted since it was listed. */
export async function factorsOf(
  ctx: ConnectorContext<unknown>,
  user: OktaUser,
): Promise<StoredFactor[] | null> {
  // Deactivating a user resets its factors: there are none to ask for.
  if (user.status === DEPROVISIONED) return [];
  const body = await oktaGetOrNull<unknown>(
    ctx,
    PATHS.factors(user.id),
    `Listing the factors of Okta user ${user.id}`,
  );
  return body === null ? null : oktaObjects<OktaFactor>(body).map(storedFactor);
}

/** The user as stored: Okta's object without its links and credentials (recovery question), with its factors. */
export function userRecord(user: OktaUser, factors: StoredFactor[]): SyncRecord {
  const { credentials: _, ...rest } = withoutLinks(user);
  return { id: user.id, data: { ...rest, factors } };
}

/** Whether the sync stores this user: a DEPROVISIONED one only with `sync_deprovisioned`. */
export function syncsUser(config: OktaConfig, user: OktaUser): boolean {
  return config.sync_deprovisioned === true || user.status !== DEPROVISIONED;
}

export async function* syncUsers(ctx: SyncContext<OktaConfig>): AsyncGenerator<SyncBatch> {
  const planned = plan(ctx);
  if (!planned) return;
  const posture = planned.fromStart ? new UserPosture(Date.now()) : undefined;
  ctx.runLog.log('info', 'Starting Okta user sync', {
    details: { domain: ctx.config.domain, from_start: planned.fromStart },
    source: SOURCE,
  });
  let request: string | null = planned.next;
  const queued = [...planned.queued];
  let synced = 0;
  let skipped = 0;
  while (request !== null) {
    const page = await oktaPage<OktaUser>(ctx, request, 'Listing Okta users');
    const records: SyncRecord[] = [];
    let pageSkipped = 0;
    const kept = page.items.filter((user) => syncsUser(ctx.config, user));
    pageSkipped += page.items.length - kept.length;
    // A request per user: several at once (the engine keeps them inside Okta's announced budget).
    const factors = await pMap(kept, (user) => factorsOf(ctx, user), {
      concurrency: FACTOR_REQUESTS_AT_ONCE,
      signal: ctx.signal,
    });
    kept.forEach((user, i) => {
      const userFactors = factors[i];
      if (userFactors === null || userFactors === undefined) {
        pageSkipped += 1;
        return;
      }
      posture?.add(user, userFactors);
      records.push(userRecord(user, userFactors));
    });
    request = page.next ?? queued.shift() ?? null;
    synced += records.length;
    skipped += pageSkipped;
    const done = request === null;
    if (done) {
      ctx.runLog.log('info', `Synced ${synced} users (${skipped} skipped)`, {
        details: { synced, skipped },
        source: SOURCE,
      });
    }
    yield {
      entity: ENTITY,
      records,
      skipped: pageSkipped,
      cursor: JSON.stringify({ next: request, queued, since: planned.since } satisfies UsersCursor),
      evidence: done && posture ? posture.evidence() : [],
    };
  }
}
